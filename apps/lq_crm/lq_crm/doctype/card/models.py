from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from lq_crm.core.models import Document


class CardBatch(Document):
    """A print run of cards with consecutive serial numbers.

    A card number is the batch prefix, the serial padded to ``width`` digits
    and one Damm check digit, which catches every single mistyped digit and
    every swap of two neighbouring digits.
    """

    number_prefix = "CB"

    prefix = models.CharField(
        _("prefix"),
        max_length=8,
        default="37",
        help_text=_("Digits printed before the serial number."),
    )
    width = models.PositiveSmallIntegerField(
        _("serial width"),
        default=8,
        validators=[MinValueValidator(4), MaxValueValidator(16)],
        help_text=_("Number of digits of the serial number, zero-padded."),
    )
    first_serial = models.PositiveBigIntegerField(_("first serial"))
    quantity = models.PositiveIntegerField(
        _("quantity"), validators=[MinValueValidator(1), MaxValueValidator(100_000)]
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("card batch")
        verbose_name_plural = _("card batches")
        ordering = ["-pk"]

    @property
    def last_serial(self) -> int:
        return self.first_serial + self.quantity - 1


class Card(Document):
    """A membership card: the number by which stores know the household."""

    number_prefix = "CD"

    class Status(models.TextChoices):
        IN_STOCK = "in_stock", _("In stock")
        ISSUED = "issued", _("Issued")
        ACTIVE = "active", _("Active")
        LOST = "lost", _("Reported lost")
        BLOCKED = "blocked", _("Blocked")
        REPLACED = "replaced", _("Replaced")

    class AdmissionBasis(models.TextChoices):
        TRIP_PHOTO = "trip_photo", _("Photo from an earlier trip")
        PRODUCT_BOX = "product_box", _("Longliqi health-product box")
        QUALIFYING_SLIP = (
            "qualifying_slip",
            _("Single purchase of the admission amount"),
        )
        LEGACY = "legacy", _("Migrated from an earlier system")
        REPLACEMENT = "replacement", _("Replacement for an earlier card")

    card_number = models.CharField(_("card number"), max_length=32, unique=True)
    batch = models.ForeignKey(
        CardBatch,
        verbose_name=_("batch"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cards",
    )
    serial = models.PositiveBigIntegerField(_("serial"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=Status.choices,
        default=Status.IN_STOCK,
        db_index=True,
    )
    member = models.ForeignKey(
        "member.Member",
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cards",
    )
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    admission_basis = models.CharField(
        _("admission basis"), max_length=32, choices=AdmissionBasis.choices, blank=True
    )
    admission_slip = models.ForeignKey(
        "slip.PurchaseSlip",
        verbose_name=_("admission slip"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    admission_note = models.CharField(_("admission note"), max_length=200, blank=True)
    replaced_by = models.OneToOneField(
        "self",
        verbose_name=_("replaced by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaces",
    )
    legacy = models.BooleanField(
        _("legacy number"),
        default=False,
        help_text=_(
            "Ticked for a card migrated from an earlier system, whose number "
            "may have no check digit."
        ),
    )

    class Meta:
        verbose_name = _("card")
        verbose_name_plural = _("cards")
        ordering = ["card_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "serial"], name="card_unique_serial"
            )
        ]

    def __str__(self) -> str:
        return self.card_number

    @property
    def usable(self) -> bool:
        return self.status in {self.Status.ISSUED, self.Status.ACTIVE}
