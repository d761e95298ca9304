"""Putting messages in the outbox: one row per cause, the right channel."""

from __future__ import annotations

from decimal import Decimal

import django_rq
import pytest
from rq.job import Job

from lq_crm.doctype.club.models import ClubSettings
from lq_crm.doctype.member.models import Member
from lq_crm.doctype.region.models import Region
from lq_crm.doctype.tier.models import Tier, TierChange
from lq_crm.notify.models import Channel, MessageTemplate, Notification, job_id_for
from lq_crm.notify.services import notify_tier_change, queue_message

from .conftest import LANDLINE, MOBILE, make_member


def tier_change(member: Member, from_code: str, to_code: str) -> TierChange:
    return TierChange.objects.create(
        member=member,
        from_tier=Tier.objects.get(code=from_code),
        to_tier=Tier.objects.get(code=to_code),
        cause=TierChange.Cause.SLIP_SUBMITTED,
        spend=Decimal("520.00"),
    )


@pytest.mark.django_db(transaction=True)
def test_queue_message_twice_makes_one_row(jinan: Region) -> None:
    member = make_member(jinan)
    context = {"member_name": member.name, "to_tier": "VIP"}

    first = queue_message(
        key="tier-change:1",
        member=member,
        template_code="tier_upgrade",
        context=context,
    )
    second = queue_message(
        key="tier-change:1",
        member=member,
        template_code="tier_upgrade",
        context=context,
    )

    assert first is not None
    assert second is not None
    assert first.pk == second.pk
    assert Notification.objects.filter(key="tier-change:1").count() == 1
    queue = django_rq.get_queue("default")
    assert queue.job_ids == [job_id_for(first.pk)]
    job = Job.fetch(job_id_for(first.pk), connection=queue.connection)
    assert list(job.args) == [first.pk]


@pytest.mark.django_db
def test_queue_message_inactive_template_skipped(jinan: Region) -> None:
    member = make_member(jinan)
    MessageTemplate.objects.filter(code="tier_upgrade").update(active=False)

    result = queue_message(
        key="tier-change:2", member=member, template_code="tier_upgrade", context={}
    )

    assert result is None
    assert not Notification.objects.filter(key="tier-change:2").exists()


@pytest.mark.django_db
def test_tier_upgrade_mobile_goes_by_sms(jinan: Region) -> None:
    member = make_member(jinan, phone=MOBILE, email="wang@example.com")

    notification = notify_tier_change(tier_change(member, "ordinary", "vip"))

    assert notification is not None
    assert notification.channel == Channel.SMS
    assert notification.recipient == MOBILE
    assert notification.status == Notification.Status.PENDING
    assert notification.template is not None
    assert notification.template.code == "tier_upgrade"
    assert "王建国" in notification.body
    assert "520.00" in notification.body


@pytest.mark.django_db
def test_tier_upgrade_landline_with_email(jinan: Region) -> None:
    member = make_member(jinan, phone=LANDLINE, email="wang@example.com")

    notification = notify_tier_change(tier_change(member, "ordinary", "vip"))

    assert notification is not None
    assert notification.channel == Channel.EMAIL
    assert notification.recipient == "wang@example.com"
    assert notification.status == Notification.Status.PENDING


@pytest.mark.django_db
def test_tier_upgrade_landline_only_is_call(jinan: Region) -> None:
    member = make_member(jinan, phone=LANDLINE)

    notification = notify_tier_change(tier_change(member, "ordinary", "vip"))

    assert notification is not None
    assert notification.channel == Channel.CALL
    assert notification.recipient == LANDLINE
    assert notification.status == Notification.Status.CALL_OPEN


@pytest.mark.django_db
def test_call_task_is_not_enqueued(
    jinan: Region, django_capture_on_commit_callbacks
) -> None:
    member = make_member(jinan, phone="")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notification = notify_tier_change(tier_change(member, "ordinary", "vip"))

    assert notification is not None
    assert notification.channel == Channel.CALL
    assert callbacks == []


@pytest.mark.django_db
def test_tier_downgrade_notified_by_default(jinan: Region) -> None:
    member = make_member(jinan)

    notification = notify_tier_change(tier_change(member, "vip", "ordinary"))

    assert notification is not None
    assert notification.template is not None
    assert notification.template.code == "tier_downgrade"


@pytest.mark.django_db
def test_tier_downgrade_setting_off(jinan: Region) -> None:
    club = ClubSettings.load()
    club.notify_tier_downgrades = False
    club.save()
    member = make_member(jinan)

    downgrade = notify_tier_change(tier_change(member, "vip", "ordinary"))
    upgrade = notify_tier_change(tier_change(member, "ordinary", "vip"))

    assert downgrade is None
    assert upgrade is not None
    assert Notification.objects.filter(member=member).count() == 1
