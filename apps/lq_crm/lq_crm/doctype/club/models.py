from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class ClubSettings(models.Model):
    """The club's rules that admins change in the desk; there is one row."""

    class Rounding(models.TextChoices):
        DOWN = "down", _("Round down to a whole point")
        HALF_UP = "half_up", _("Round half up to a whole point")

    admission_amount = models.DecimalField(
        _("admission amount"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("200.00"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_(
            "A single purchase of at least this many yuan admits a new household."
        ),
    )
    points_rounding = models.CharField(
        _("points rounding"),
        max_length=16,
        choices=Rounding.choices,
        default=Rounding.DOWN,
        help_text=_("How the points of one slip line are rounded."),
    )
    notify_tier_downgrades = models.BooleanField(
        _("notify downgrades"),
        default=True,
        help_text=_("Send a message when a cancelled slip lowers a tier."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("club settings")
        verbose_name_plural = _("club settings")

    def __str__(self) -> str:
        return str(_("Club settings"))

    @classmethod
    def load(cls) -> ClubSettings:
        settings, _created = cls.objects.get_or_create(pk=1)
        return settings
