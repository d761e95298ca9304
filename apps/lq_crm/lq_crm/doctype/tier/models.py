from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lq_crm.core.models import Document


class Tier(Document):
    """A membership tier reached by cumulative qualifying spend."""

    number_prefix = "TR"

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=64)
    threshold = models.DecimalField(
        _("threshold"),
        max_digits=14,
        decimal_places=2,
        unique=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Cumulative qualifying spend in yuan that reaches this tier."),
    )
    benefits = models.TextField(_("benefits"), blank=True)

    class Meta:
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")
        ordering = ["threshold"]

    def __str__(self) -> str:
        return self.name


class TierChange(models.Model):
    """One move of a household from one tier to another, with its cause."""

    class Cause(models.TextChoices):
        SLIP_SUBMITTED = "slip_submitted", _("Slip submitted")
        SLIP_CANCELLED = "slip_cancelled", _("Slip cancelled")
        THRESHOLD_CHANGED = "threshold_changed", _("Thresholds changed")
        MIGRATION = "migration", _("Migrated history")
        MERGE = "merge", _("Households merged")

    member = models.ForeignKey(
        "member.Member",
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="tier_changes",
    )
    from_tier = models.ForeignKey(
        Tier,
        verbose_name=_("from tier"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    to_tier = models.ForeignKey(
        Tier, verbose_name=_("to tier"), on_delete=models.PROTECT, related_name="+"
    )
    cause = models.CharField(_("cause"), max_length=32, choices=Cause.choices)
    slip = models.ForeignKey(
        "slip.PurchaseSlip",
        verbose_name=_("slip"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tier_changes",
    )
    spend = models.DecimalField(
        _("qualifying spend"),
        max_digits=14,
        decimal_places=2,
        help_text=_("The household's qualifying spend after the change."),
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created = models.DateTimeField(_("created"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("tier change")
        verbose_name_plural = _("tier changes")
        ordering = ["-created", "-pk"]

    def __str__(self) -> str:
        return f"{self.member}: {self.from_tier} → {self.to_tier}"

    @property
    def is_upgrade(self) -> bool:
        if self.from_tier is None:
            return True

        return self.to_tier.threshold > self.from_tier.threshold
