from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PointsLedgerEntry(models.Model):
    """One change of a household's points; rows are only ever added.

    ``key`` names the cause (``earn:<line id>``, ``reverse:<line id>``), so
    the database refuses to count one cause twice.
    """

    class Kind(models.TextChoices):
        EARN = "earn", _("Earned")
        REVERSE = "reverse", _("Reversed")
        ADJUST = "adjust", _("Adjusted")

    key = models.CharField(_("key"), max_length=64, unique=True)
    member = models.ForeignKey(
        "member.Member",
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        related_name="ledger_entries",
    )
    card = models.ForeignKey(
        "card.Card",
        verbose_name=_("card"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    slip = models.ForeignKey(
        "slip.PurchaseSlip",
        verbose_name=_("slip"),
        null=True,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
    )
    slip_line = models.ForeignKey(
        "slip.PurchaseSlipLine",
        verbose_name=_("slip line"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    points = models.IntegerField(_("points"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("points ledger entry")
        verbose_name_plural = _("points ledger entries")
        ordering = ["-pk"]
        indexes = [models.Index(fields=["member", "created"])]

    def __str__(self) -> str:
        return f"{self.key} {self.points:+d}"
