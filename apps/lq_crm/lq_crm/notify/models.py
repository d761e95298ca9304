from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    CALL = "call", _("Call task for the service centre")


class MessageTemplate(models.Model):
    """The text of one kind of message, editable in the desk.

    Subject and body are Django templates; the context each kind receives is
    listed in ``help_text`` so that admins know which names they may use.
    """

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=100)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("body"))
    help_text = models.TextField(_("available fields"), blank=True, editable=False)
    active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


# A worker that crashed between claiming a row and recording the result leaves
# it in "sending". Such a row is never resent automatically, because the
# gateway may have accepted it; after this delay the desk lists it for review.
STUCK_SENDING_AFTER = timedelta(minutes=15)


def stuck_sending_condition() -> Q:
    """Match rows claimed by a job that never recorded a result."""
    cutoff = timezone.now() - STUCK_SENDING_AFTER
    return Q(status=Notification.Status.SENDING, claimed_at__lte=cutoff)


class NotificationQuerySet(models.QuerySet):
    def stuck_sending(self) -> NotificationQuerySet:
        return self.filter(stuck_sending_condition())

    def due_for_sweep(self, idle_for: timedelta) -> NotificationQuerySet:
        """Select pending rows created or last tried more than ``idle_for`` ago."""
        cutoff = timezone.now() - idle_for
        return self.filter(status=Notification.Status.PENDING).filter(
            Q(claimed_at__isnull=True, created__lte=cutoff) | Q(claimed_at__lte=cutoff)
        )


class Notification(models.Model):
    """An outbox row: one message for one cause, sent at most once.

    ``key`` names the cause (``tier-change:<id>``), so a cause that fires
    twice still makes one row, and a job claims a row by moving it from
    pending to sending in one conditional UPDATE before it calls a gateway.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        CALL_OPEN = "call_open", _("Call to make")
        CALL_DONE = "call_done", _("Call made")
        SKIPPED = "skipped", _("Skipped")

    key = models.CharField(_("key"), max_length=100, unique=True)
    member = models.ForeignKey(
        "member.Member",
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notifications",
    )
    template = models.ForeignKey(
        MessageTemplate,
        verbose_name=_("template"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    recipient = models.CharField(_("recipient"), max_length=200)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("body"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=Status.choices,
        default=Status.PENDING,
        db_index=True,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-pk"]

    def __str__(self) -> str:
        return self.key


def job_id_for(notification_id: int) -> str:
    """Return the RQ job id of the send job, the same for every enqueue."""
    return f"notification-{notification_id}"
