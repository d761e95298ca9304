"""The sweep: pending rows whose job was lost still go out."""

from __future__ import annotations

from datetime import timedelta

import django_rq
import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from rq import SimpleWorker
from rq.job import Job

from lq_crm.doctype.region.models import Region
from lq_crm.notify.models import Notification, job_id_for
from lq_crm.notify.sending import send_pending_notifications
from lq_crm.notify.services import queue_message

from .conftest import FakeGateway, make_member, make_notification

# Nothing listens on port 1, so every Redis command fails to connect.
UNREACHABLE_QUEUES = {"default": {"URL": "redis://127.0.0.1:1/0"}}

# django_rq's default commit mode defers an enqueue made inside a transaction
# to its commit, so these tests run in autocommit like a worker does.
pytestmark = pytest.mark.django_db(transaction=True)


def run_worker() -> None:
    queue = django_rq.get_queue("default")
    worker = SimpleWorker([queue], connection=queue.connection)
    worker.work(burst=True)


def age(notification: Notification, minutes: int) -> None:
    Notification.objects.filter(pk=notification.pk).update(
        created=timezone.now() - timedelta(minutes=minutes)
    )


def test_redis_down_then_sweep_sends(
    jinan: Region, gateway: FakeGateway, caplog: pytest.LogCaptureFixture
) -> None:
    member = make_member(jinan)

    with override_settings(RQ_QUEUES=UNREACHABLE_QUEUES, JOBS_INLINE=False):
        notification = queue_message(
            key="tier-change:9",
            member=member,
            template_code="tier_upgrade",
            context={"member_name": member.name, "to_tier": "VIP"},
        )

    assert notification is not None
    assert f"Could not enqueue job {job_id_for(notification.pk)}" in caplog.text
    assert Notification.objects.get(pk=notification.pk).status == "pending"
    assert django_rq.get_queue("default").count == 0

    assert send_pending_notifications() == 0
    age(notification, minutes=2)
    assert send_pending_notifications() == 1
    run_worker()

    sent = Notification.objects.get(pk=notification.pk)
    assert sent.status == Notification.Status.SENT
    assert len(gateway.requests) == 1
    assert gateway.requests[0]["body"]["id"] == "tier-change:9"


def test_sweep_skips_row_with_queued_job(gateway: FakeGateway) -> None:
    notification = make_notification()
    age(notification, minutes=5)

    assert send_pending_notifications() == 1
    assert send_pending_notifications() == 0
    run_worker()

    assert len(gateway.requests) == 1
    assert Notification.objects.get(pk=notification.pk).status == "sent"


def test_sweep_all_takes_recent_rows(gateway: FakeGateway) -> None:
    notification = make_notification()
    make_notification(status=Notification.Status.SENT)
    make_notification(status=Notification.Status.FAILED)

    assert send_pending_notifications() == 0
    assert send_pending_notifications(include_recent=True) == 1
    job = Job.fetch(job_id_for(notification.pk), connection=django_rq.get_connection())
    assert job.get_status() == "queued"


def test_sweep_leaves_stuck_sending_rows(gateway: FakeGateway) -> None:
    notification = make_notification(status=Notification.Status.SENDING)
    Notification.objects.filter(pk=notification.pk).update(
        claimed_at=timezone.now() - timedelta(hours=1)
    )

    assert send_pending_notifications(include_recent=True) == 0
    assert list(Notification.objects.stuck_sending()) == [notification]
    run_worker()
    assert gateway.requests == []


def test_sweep_command_all_flag(gateway: FakeGateway, capsys) -> None:
    make_notification()

    call_command("send_pending_notifications", "--all")

    assert "Enqueued 1 pending notifications." in capsys.readouterr().out
    assert django_rq.get_queue("default").count == 1


def test_sweep_inline_without_redis(gateway: FakeGateway) -> None:
    notification = make_notification()

    with override_settings(JOBS_INLINE=True):
        send_pending_notifications(include_recent=True)

    assert Notification.objects.get(pk=notification.pk).status == "sent"
    assert len(gateway.requests) == 1


def test_cron_config_registers_periodic_jobs() -> None:
    from django_rq.cron import DjangoCronScheduler

    scheduler = DjangoCronScheduler()
    scheduler.load_config_from_file("lq_crm.core.cron")

    jobs = {job.func_name: job for job in scheduler.get_jobs()}
    assert set(jobs) == {
        "lq_crm.notify.sending.send_pending_notifications",
        "lq_crm.portal.member.codes.purge_codes",
        "lq_crm.imports.jobs.resume_stalled_imports",
        "lq_crm.doctype.tier.services.reevaluate_all",
    }
    sweep = jobs["lq_crm.notify.sending.send_pending_notifications"]
    assert (sweep.cron, sweep.queue_name) == ("* * * * *", "default")
    assert jobs["lq_crm.portal.member.codes.purge_codes"].args == (timedelta(days=1),)
    assert jobs["lq_crm.imports.jobs.resume_stalled_imports"].cron == "*/5 * * * *"
    assert jobs["lq_crm.doctype.tier.services.reevaluate_all"].cron == "47 3 * * *"
