from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lq_crm.core.models import Document


class PurchaseSlip(Document):
    """A store's receipt for one purchase with a card: draft, submitted, cancelled.

    A submitted slip is never edited: it is cancelled, which reverses its
    points, spend and tier, and amended into a new draft.
    """

    number_prefix = "PS"

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        CANCELLED = "cancelled", pgettext_lazy("purchase slip", "Cancelled")

    class Source(models.TextChoices):
        DESK = "desk", _("Desk")
        API = "api", _("API")
        PORTAL = "portal", _("Portal")
        IMPORT = "import", _("Import")

    card = models.ForeignKey(
        "card.Card",
        verbose_name=_("card"),
        on_delete=models.PROTECT,
        related_name="slips",
    )
    member = models.ForeignKey(
        "member.Member",
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        related_name="slips",
        editable=False,
    )
    store = models.ForeignKey(
        "store.Store",
        verbose_name=_("store"),
        on_delete=models.PROTECT,
        related_name="slips",
    )
    purchased_at = models.DateTimeField(_("purchased at"), default=timezone.now)
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("clerk"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    receipt_number = models.CharField(_("receipt number"), max_length=64)
    # Equal to receipt_number until the slip is cancelled, then NULL. The
    # unique index on (store, receipt_key) refuses a second live slip for one
    # receipt while letting an amendment reuse the number of a cancelled one;
    # MariaDB has no partial indexes, and unique indexes ignore NULLs.
    receipt_key = models.CharField(max_length=64, null=True, editable=False)  # noqa: DJ001
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=Status.choices,
        default=Status.DRAFT,
        editable=False,
    )
    total = models.DecimalField(
        _("total"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0.00"),
        editable=False,
    )
    source = models.CharField(
        _("source"), max_length=16, choices=Source.choices, default=Source.DESK
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, editable=False)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, editable=False)
    cancel_reason = models.CharField(_("cancel reason"), max_length=200, blank=True)
    amended_from = models.OneToOneField(
        "self",
        verbose_name=_("amended from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="amendment",
        editable=False,
    )

    class Meta:
        verbose_name = _("purchase slip")
        verbose_name_plural = _("purchase slips")
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "receipt_key"], name="slip_unique_live_receipt"
            ),
        ]
        indexes = [
            models.Index(fields=["member", "status"]),
            models.Index(fields=["purchased_at"]),
        ]
        permissions = [
            ("submit_purchaseslip", _("Can submit purchase slip")),
            ("cancel_purchaseslip", _("Can cancel purchase slip")),
        ]


class PurchaseSlipLine(models.Model):
    slip = models.ForeignKey(
        PurchaseSlip,
        verbose_name=_("slip"),
        on_delete=models.CASCADE,
        related_name="lines",
    )
    category = models.ForeignKey(
        "product.ProductCategory",
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    product = models.ForeignKey(
        "product.Product",
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    amount = models.DecimalField(
        _("amount"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Yuan paid for this line; zero for a gift."),
    )
    points = models.IntegerField(_("points"), default=0, editable=False)

    class Meta:
        verbose_name = _("slip line")
        verbose_name_plural = _("slip lines")
        ordering = ["slip", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="slip_line_amount_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category} ¥{self.amount}"
