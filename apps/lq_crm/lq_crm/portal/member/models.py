"""One-time sign-in codes and the consent choices households make in the portal."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lq_crm.doctype.member.models import Member


class LoginCode(models.Model):
    """A one-time code sent by SMS, stored only as a keyed hash.

    A code is spent by setting ``used_at`` in a conditional UPDATE, so two
    requests that present it at the same moment cannot both succeed.
    """

    class Purpose(models.TextChoices):
        SIGN_IN = "sign_in", _("Sign in")
        PHONE_CHANGE = "phone_change", _("Phone number change")

    phone = models.CharField(_("phone"), max_length=20, help_text=_("E.164 form."))
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    member = models.ForeignKey(
        "member.Member",
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("The household changing its phone; empty for a sign-in code."),
    )
    code_hash = models.CharField(_("code hash"), max_length=64)
    created = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    attempts = models.PositiveSmallIntegerField(_("wrong attempts"), default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("portal login code")
        verbose_name_plural = _("portal login codes")
        ordering = ["-pk"]
        indexes = [models.Index(fields=["phone", "purpose", "created"])]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {self.pk}"


class ConsentChange(models.Model):
    """One consent choice a household made in the portal: what, when and from where."""

    class Kind(models.TextChoices):
        DATA_USE = "data_use", _("Use of personal data by the club")
        MARKETING = "marketing", _("Marketing messages")

    member = models.ForeignKey(
        "member.Member",
        verbose_name=_("household"),
        on_delete=models.CASCADE,
        related_name="portal_consent_changes",
    )
    kind = models.CharField(_("consent"), max_length=16, choices=Kind.choices)
    given = models.BooleanField(_("given"))
    method = models.CharField(
        _("method"),
        max_length=16,
        choices=Member.ConsentMethod.choices,
        default=Member.ConsentMethod.ONLINE,
    )
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("consent change")
        verbose_name_plural = _("consent changes")
        ordering = ["-recorded_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.given}"
