"""The send job against a real HTTP gateway on 127.0.0.1."""

from __future__ import annotations

import threading

import pytest
from django.core import mail
from django.db import connection
from pytest_django.fixtures import Settings

from lq_crm.notify.models import Channel, Notification
from lq_crm.notify.sending import (
    MAX_ATTEMPTS,
    NotificationFailed,
    send_notification,
)

from .conftest import MOBILE, TOKEN, FakeGateway, make_notification


def reload(notification: Notification) -> Notification:
    return Notification.objects.get(pk=notification.pk)


@pytest.mark.django_db
def test_gateway_success_marks_sent(gateway: FakeGateway) -> None:
    notification = make_notification()

    send_notification(notification.pk)

    assert len(gateway.requests) == 1
    request = gateway.requests[0]
    assert request["body"] == {
        "to": MOBILE,
        "text": notification.body,
        "id": notification.key,
    }
    assert request["authorization"] == f"Bearer {TOKEN}"
    sent = reload(notification)
    assert sent.status == Notification.Status.SENT
    assert sent.sent_at is not None
    assert sent.claimed_at is not None
    assert sent.attempts == 1
    assert sent.last_error == ""


@pytest.mark.django_db
def test_gateway_500_leaves_row_pending(gateway: FakeGateway) -> None:
    gateway.status = 500
    notification = make_notification()

    with pytest.raises(NotificationFailed):
        send_notification(notification.pk)

    failed = reload(notification)
    assert failed.status == Notification.Status.PENDING
    assert failed.attempts == 1
    assert failed.last_error == "SMS gateway returned HTTP 500"
    assert failed.sent_at is None


@pytest.mark.django_db
def test_gateway_timeout_leaves_row_pending(
    gateway: FakeGateway, settings: Settings
) -> None:
    settings.SMS_GATEWAY_TIMEOUT = 0.3
    gateway.delay = 1.0
    notification = make_notification()

    with pytest.raises(NotificationFailed):
        send_notification(notification.pk)

    failed = reload(notification)
    assert failed.status == Notification.Status.PENDING
    assert failed.last_error == "SMS gateway timed out after 0.3 s"
    assert TOKEN not in failed.last_error


@pytest.mark.django_db
def test_gateway_failure_after_max_attempts(gateway: FakeGateway) -> None:
    gateway.status = 503
    notification = make_notification()

    for _attempt in range(MAX_ATTEMPTS):
        with pytest.raises(NotificationFailed):
            send_notification(notification.pk)

    failed = reload(notification)
    assert failed.status == Notification.Status.FAILED
    assert failed.attempts == MAX_ATTEMPTS
    assert len(gateway.requests) == MAX_ATTEMPTS

    send_notification(notification.pk)
    assert len(gateway.requests) == MAX_ATTEMPTS


@pytest.mark.django_db
def test_gateway_retry_after_failure_sends(gateway: FakeGateway) -> None:
    gateway.status = 500
    notification = make_notification()
    with pytest.raises(NotificationFailed):
        send_notification(notification.pk)

    gateway.status = 202
    send_notification(notification.pk)

    sent = reload(notification)
    assert sent.status == Notification.Status.SENT
    assert sent.attempts == 2
    assert sent.last_error == ""
    assert [r["body"]["id"] for r in gateway.requests] == [notification.key] * 2


@pytest.mark.django_db
def test_job_run_twice_sends_once(gateway: FakeGateway) -> None:
    notification = make_notification()

    send_notification(notification.pk)
    send_notification(notification.pk)

    assert len(gateway.requests) == 1
    assert reload(notification).attempts == 1


@pytest.mark.django_db
def test_row_in_sending_is_not_resent(gateway: FakeGateway) -> None:
    notification = make_notification(status=Notification.Status.SENDING)

    send_notification(notification.pk)

    assert gateway.requests == []
    assert reload(notification).status == Notification.Status.SENDING


@pytest.mark.django_db
def test_call_task_is_not_sent(gateway: FakeGateway) -> None:
    notification = make_notification(
        channel=Channel.CALL, status=Notification.Status.CALL_OPEN
    )

    send_notification(notification.pk)

    assert gateway.requests == []
    assert reload(notification).status == Notification.Status.CALL_OPEN


@pytest.mark.django_db(transaction=True)
def test_parallel_jobs_send_once(gateway: FakeGateway) -> None:
    gateway.delay = 0.2
    notification = make_notification()
    workers = 4
    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []

    def run_job() -> None:
        try:
            barrier.wait()
            send_notification(notification.pk)
        except BaseException as error:  # collected and asserted empty below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run_job) for _index in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert len(gateway.requests) == 1
    sent = reload(notification)
    assert sent.status == Notification.Status.SENT
    assert sent.attempts == 1


@pytest.mark.django_db
def test_email_goes_through_send_mail(settings: Settings) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    notification = make_notification(channel=Channel.EMAIL, recipient="li@example.com")

    send_notification(notification.pk)
    send_notification(notification.pk)

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["li@example.com"]
    assert mail.outbox[0].subject == notification.subject
    assert reload(notification).status == Notification.Status.SENT


@pytest.mark.django_db
def test_missing_gateway_url_is_a_failure(settings: Settings) -> None:
    settings.SMS_BACKEND = "lq_crm.notify.sms.HttpGatewayBackend"
    settings.SMS_GATEWAY_URL = None
    notification = make_notification()

    with pytest.raises(NotificationFailed):
        send_notification(notification.pk)

    failed = reload(notification)
    assert failed.status == Notification.Status.PENDING
    assert "sms_gateway_url" in failed.last_error
