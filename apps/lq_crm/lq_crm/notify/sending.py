"""Deliver outbox rows: the send job and the sweep that re-enqueues it.

The job claims a row by moving it from pending to sending in one
conditional UPDATE, so of two jobs for the same row only one calls the
gateway. A gateway failure puts the row back to pending for the next
attempt, until ``MAX_ATTEMPTS`` is reached and it is marked failed. A row
left in sending is resent only when staff retry it in the desk.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import F
from django.utils import timezone

from lq_crm.core.jobs import enqueue, job_is_waiting
from lq_crm.notify.models import (
    STUCK_SENDING_AFTER,
    Channel,
    Notification,
    job_id_for,
)
from lq_crm.notify.sms import SmsError, get_sms_backend

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5

# A pending row this long untouched has lost its job (Redis was down at
# enqueue time, or RQ gave up retrying), so the sweep enqueues it again.
SWEEP_IDLE_FOR = timedelta(minutes=1)

# The sweep enqueues at most this many rows per run; the next run, a minute
# later, continues with the rest.
SWEEP_BATCH_SIZE = 1000

# Failures of the gateway rather than of this code. SMTPException and socket
# errors are subclasses of OSError.
DELIVERY_ERRORS = (SmsError, OSError)


class NotificationFailed(Exception):
    """A gateway rejected a notification; the job raises it so that RQ retries."""


def send_notification(notification_id: int) -> None:
    """Send one outbox row unless another job has already claimed it.

    1. Claim: pending -> sending, counting the attempt.
    2. Send through the row's channel.
    3. Record sent, or on a gateway failure put the row back to pending (or
       failed after MAX_ATTEMPTS) and raise NotificationFailed. Any other
       error leaves the row in sending, because the message may have gone.
    """
    claimed = Notification.objects.filter(
        pk=notification_id, status=Notification.Status.PENDING
    ).update(
        status=Notification.Status.SENDING,
        attempts=F("attempts") + 1,
        claimed_at=timezone.now(),
    )
    if not claimed:
        logger.info("Notification %s is not pending; nothing sent", notification_id)
        return

    notification = Notification.objects.get(pk=notification_id)
    try:
        deliver(notification)
    except DELIVERY_ERRORS as error:
        record_failure(notification, error)
        raise NotificationFailed(
            f"Notification {notification_id} failed: {describe_error(error)}"
        ) from error
    except Exception as error:
        # The message may or may not have gone out, so the row stays in
        # sending, which the desk lists for review instead of resending.
        Notification.objects.filter(pk=notification_id).update(
            last_error=type(error).__name__
        )
        logger.exception(
            "Notification %s left in sending after an unexpected error",
            notification_id,
        )
        raise

    Notification.objects.filter(
        pk=notification_id, status=Notification.Status.SENDING
    ).update(status=Notification.Status.SENT, sent_at=timezone.now(), last_error="")
    logger.info(
        "Notification %s sent by %s (attempt %s)",
        notification_id,
        notification.channel,
        notification.attempts,
    )


def deliver(notification: Notification) -> None:
    """Hand one message to the gateway of its channel."""
    if notification.channel == Channel.SMS:
        get_sms_backend().send(
            to=notification.recipient,
            text=notification.body,
            message_id=notification.key,
        )
    elif notification.channel == Channel.EMAIL:
        send_mail(
            notification.subject,
            notification.body,
            settings.DEFAULT_FROM_EMAIL,
            [notification.recipient],
        )
    else:
        raise ValueError(
            f"Notification {notification.pk} has channel {notification.channel!r}, "
            "which no gateway sends; call tasks are closed in the desk."
        )


def record_failure(notification: Notification, error: Exception) -> None:
    """Put a claimed row back to pending, or mark it failed after the last try."""
    if notification.attempts >= MAX_ATTEMPTS:
        status = Notification.Status.FAILED
    else:
        status = Notification.Status.PENDING
    description = describe_error(error)
    Notification.objects.filter(
        pk=notification.pk, status=Notification.Status.SENDING
    ).update(status=status, last_error=description[:300])
    logger.warning(
        "Notification %s attempt %s of %s failed, now %s: %s",
        notification.pk,
        notification.attempts,
        MAX_ATTEMPTS,
        status,
        description,
    )


def describe_error(error: Exception) -> str:
    """Describe a delivery error without addresses, URLs or tokens.

    SmsError texts are written by the backends to be safe to store. An SMTP
    error can quote the recipient, so only its type and code are kept.
    """
    if isinstance(error, SmsError):
        return str(error)

    code = getattr(error, "smtp_code", None) or getattr(error, "errno", None)
    if code:
        return f"{type(error).__name__} (code {code})"

    return type(error).__name__


def send_pending_notifications(*, include_recent: bool = False) -> int:
    """Enqueue the send job of pending rows whose job was lost; return the count.

    By default only rows untouched for SWEEP_IDLE_FOR are taken, so a row
    whose job is merely waiting in the queue is left alone. A row whose job
    is still queued, scheduled for an RQ retry or running is skipped too.
    """
    if include_recent:
        pending = Notification.objects.filter(status=Notification.Status.PENDING)
    else:
        pending = Notification.objects.due_for_sweep(SWEEP_IDLE_FOR)

    enqueued = 0
    skipped = 0
    for notification_id in pending.order_by("pk").values_list("pk", flat=True):
        if enqueued >= SWEEP_BATCH_SIZE:
            logger.info(
                "Sweep stopped at %s notifications; the next run continues",
                SWEEP_BATCH_SIZE,
            )
            break
        job_id = job_id_for(notification_id)
        if job_is_waiting(job_id):
            skipped += 1
            continue
        enqueue(send_notification, notification_id, job_id=job_id)
        enqueued += 1

    stuck = Notification.objects.stuck_sending().count()
    if stuck:
        logger.warning(
            "%s notifications have been in sending for over %s minutes; "
            "review them in the desk",
            stuck,
            int(STUCK_SENDING_AFTER.total_seconds() // 60),
        )
    logger.info(
        "Sweep enqueued %s pending notifications, skipped %s with a waiting job",
        enqueued,
        skipped,
    )
    return enqueued
