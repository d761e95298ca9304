"""A real RQ worker in burst mode delivers what queue_message enqueued."""

from __future__ import annotations

import django_rq
import pytest
from rq import SimpleWorker
from rq.job import Job

from lq_crm.doctype.region.models import Region
from lq_crm.notify.models import Notification, job_id_for
from lq_crm.notify.services import queue_message

from .conftest import FakeGateway, make_member


@pytest.mark.django_db(transaction=True)
def test_worker_sends_enqueued_notification(
    jinan: Region, gateway: FakeGateway
) -> None:
    member = make_member(jinan)
    notification = queue_message(
        key="tier-change:42",
        member=member,
        template_code="tier_upgrade",
        context={"member_name": member.name, "to_tier": "VIP"},
    )
    assert notification is not None
    queue = django_rq.get_queue("default")
    assert queue.count == 1

    worker = SimpleWorker([queue], connection=queue.connection)
    worker.work(burst=True)

    sent = Notification.objects.get(pk=notification.pk)
    assert sent.status == Notification.Status.SENT
    assert len(gateway.requests) == 1
    job = Job.fetch(job_id_for(notification.pk), connection=queue.connection)
    assert job.get_status() == "finished"


@pytest.mark.django_db(transaction=True)
def test_worker_failure_schedules_retry(jinan: Region, gateway: FakeGateway) -> None:
    gateway.status = 500
    member = make_member(jinan)
    notification = queue_message(
        key="tier-change:43",
        member=member,
        template_code="tier_upgrade",
        context={"member_name": member.name, "to_tier": "VIP"},
    )
    assert notification is not None
    queue = django_rq.get_queue("default")

    SimpleWorker([queue], connection=queue.connection).work(burst=True)

    pending = Notification.objects.get(pk=notification.pk)
    assert pending.status == Notification.Status.PENDING
    assert pending.last_error == "SMS gateway returned HTTP 500"
    job = Job.fetch(job_id_for(notification.pk), connection=queue.connection)
    assert job.get_status() == "scheduled"
