"""Desk pages and the read-only API of the outbox, for each role."""

from __future__ import annotations

from datetime import timedelta

import django_rq
import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from lq_crm.doctype.region.models import Region
from lq_crm.notify.models import Channel, MessageTemplate, Notification, job_id_for
from tests.conftest import make_user

from .conftest import LANDLINE, MOBILE, make_member, make_notification

CHANGELIST = "admin:notify_notification_changelist"


def desk_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_client(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.django_db
def test_list_masks_recipient(head_office_admin: User, jinan: Region) -> None:
    make_notification(make_member(jinan))

    response = desk_client(head_office_admin).get(reverse(CHANGELIST))

    assert response.status_code == 200
    content = response.content.decode()
    assert "+86139****5678" in content
    assert MOBILE not in content


@pytest.mark.django_db
def test_list_filters_by_status_and_channel(head_office_admin: User) -> None:
    sms = make_notification()
    call = make_notification(
        channel=Channel.CALL, recipient=LANDLINE, status="call_open"
    )
    client = desk_client(head_office_admin)

    by_channel = client.get(reverse(CHANGELIST), {"channel__exact": "call"})
    by_status = client.get(reverse(CHANGELIST), {"status__exact": "pending"})

    assert call.key in by_channel.content.decode()
    assert sms.key not in by_channel.content.decode()
    assert sms.key in by_status.content.decode()
    assert call.key not in by_status.content.decode()


@pytest.mark.django_db
def test_needs_review_filter_lists_stuck_rows(head_office_admin: User) -> None:
    stuck = make_notification(status=Notification.Status.SENDING)
    fresh = make_notification(status=Notification.Status.SENDING)
    Notification.objects.filter(pk=stuck.pk).update(
        claimed_at=timezone.now() - timedelta(minutes=16)
    )
    Notification.objects.filter(pk=fresh.pk).update(
        claimed_at=timezone.now() - timedelta(minutes=5)
    )

    response = desk_client(head_office_admin).get(
        reverse(CHANGELIST), {"review": "stuck"}
    )

    assert stuck.key in response.content.decode()
    assert fresh.key not in response.content.decode()


@pytest.mark.django_db
def test_mark_call_made_closes_call_tasks(head_office_admin: User) -> None:
    call = make_notification(channel=Channel.CALL, status="call_open")
    sms = make_notification()

    response = desk_client(head_office_admin).post(
        reverse(CHANGELIST),
        {"action": "mark_call_made", "_selected_action": [call.pk, sms.pk]},
    )

    assert response.status_code == 302
    call.refresh_from_db()
    sms.refresh_from_db()
    assert call.status == Notification.Status.CALL_DONE
    assert call.sent_at is not None
    assert sms.status == Notification.Status.PENDING


@pytest.mark.django_db(transaction=True)
def test_retry_requeues_failed_rows(head_office_admin: User) -> None:
    failed = make_notification(status=Notification.Status.FAILED)
    Notification.objects.filter(pk=failed.pk).update(attempts=5)
    sent = make_notification(status=Notification.Status.SENT)
    fresh_sending = make_notification(status=Notification.Status.SENDING)
    Notification.objects.filter(pk=fresh_sending.pk).update(claimed_at=timezone.now())

    response = desk_client(head_office_admin).post(
        reverse(CHANGELIST),
        {
            "action": "retry",
            "_selected_action": [failed.pk, sent.pk, fresh_sending.pk],
        },
    )

    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.status == Notification.Status.PENDING
    assert failed.attempts == 0
    assert Notification.objects.get(pk=sent.pk).status == "sent"
    assert Notification.objects.get(pk=fresh_sending.pk).status == "sending"
    assert django_rq.get_queue("default").job_ids == [job_id_for(failed.pk)]


@pytest.mark.django_db
def test_store_clerk_cannot_open_outbox(jinan_clerk: User) -> None:
    response = desk_client(jinan_clerk).get(reverse(CHANGELIST))

    assert response.status_code == 403


@pytest.mark.django_db
def test_template_code_read_only_after_creation(head_office_admin: User) -> None:
    template = MessageTemplate.objects.get(code="tier_upgrade")
    url = reverse("admin:notify_messagetemplate_change", args=[template.pk])

    response = desk_client(head_office_admin).post(
        url,
        {
            "code": "renamed",
            "name": template.name,
            "subject": template.subject,
            "body": "{{ member_name }}您好，您已升级为{{ to_tier }}。",
            "active": "on",
        },
    )

    assert response.status_code == 302
    template.refresh_from_db()
    assert template.code == "tier_upgrade"
    assert template.body.startswith("{{ member_name }}")


@pytest.mark.django_db
def test_template_preview_shows_fields(head_office_admin: User) -> None:
    template = MessageTemplate.objects.get(code="tier_upgrade")
    url = reverse("admin:notify_messagetemplate_change", args=[template.pk])

    response = desk_client(head_office_admin).get(url)

    assert response.status_code == 200
    assert "[member_name]" in response.content.decode()
    assert "[to_tier]" in response.content.decode()


@pytest.mark.django_db
def test_template_invalid_syntax_rejected(head_office_admin: User) -> None:
    template = MessageTemplate.objects.get(code="tier_upgrade")
    url = reverse("admin:notify_messagetemplate_change", args=[template.pk])

    response = desk_client(head_office_admin).post(
        url,
        {
            "name": template.name,
            "subject": template.subject,
            "body": "{% if member_name %}unclosed",
            "active": "on",
        },
    )

    assert response.status_code == 200
    template.refresh_from_db()
    assert "unclosed" not in template.body


@pytest.mark.django_db
def test_api_lists_masked_notifications(head_office_admin: User, jinan: Region) -> None:
    notification = make_notification(make_member(jinan))

    response = api_client(head_office_admin).get("/api/notifications/")

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["key"] for row in rows] == [notification.key]
    assert rows[0]["recipient"] == "+86139****5678"


@pytest.mark.django_db
def test_api_is_read_only() -> None:
    notification = make_notification()
    client = api_client(make_user("system-admin", "system_admin"))

    created = client.post("/api/notifications/", {"key": "x"})
    changed = client.patch(f"/api/notifications/{notification.pk}/", {"status": "sent"})

    assert created.status_code == 405
    assert changed.status_code == 405


@pytest.mark.django_db
def test_api_limits_to_user_cities(jinan: Region, qingdao: Region) -> None:
    jinan_row = make_notification(make_member(jinan))
    qingdao_row = make_notification(make_member(qingdao, name="李秀英"))
    jinan_service = make_user("jinan-service", "service_centre", [jinan])
    client = api_client(jinan_service)

    listed = client.get("/api/notifications/")
    hidden = client.get(f"/api/notifications/{qingdao_row.pk}/")

    assert [row["key"] for row in listed.json()["results"]] == [jinan_row.key]
    assert hidden.status_code == 404


@pytest.mark.django_db
def test_api_rejects_user_without_permission(jinan_clerk: User) -> None:
    response = api_client(jinan_clerk).get("/api/notifications/")

    assert response.status_code == 403


@pytest.mark.django_db
def test_sign_in_code_hidden_in_desk(head_office_admin: User) -> None:
    code_template = MessageTemplate.objects.get(code="portal_login_code")
    sign_in = make_notification()
    Notification.objects.filter(pk=sign_in.pk).update(
        template=code_template, body="【隆力奇】您的登录验证码为 482913，5分钟内有效。"
    )
    other = make_notification()
    client = desk_client(head_office_admin)

    sign_in_page = client.get(
        reverse("admin:notify_notification_change", args=[sign_in.pk])
    )
    other_page = client.get(
        reverse("admin:notify_notification_change", args=[other.pk])
    )

    assert "482913" not in sign_in_page.content.decode()
    assert "您的登录验证码为 ••••••" in sign_in_page.content.decode()
    assert other.body in other_page.content.decode()
