from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class KeyedForm(models.Model):
    """A paper form saved from the keying screen, found again by its form token.

    The unique token makes a second save of the same form (a double click, a
    browser retry) return what the first save created instead of saving twice.
    """

    token = models.CharField(_("form token"), max_length=64, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("keyed by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    member = models.ForeignKey(
        "member.Member",
        verbose_name=_("household"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
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
        verbose_name=_("purchase slip"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_member = models.BooleanField(_("created the household"), default=False)
    kept_fields = models.JSONField(_("fields kept as stored"), default=list)
    created = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("keyed paper form")
        verbose_name_plural = _("keyed paper forms")
        ordering = ["-pk"]

    def __str__(self) -> str:
        return self.token
