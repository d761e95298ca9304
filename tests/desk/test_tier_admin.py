"""Changing a tier threshold in the desk re-places households in tiers."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib import messages
from django.test import Client
from django.urls import reverse

from lq_crm.doctype.tier.admin import reevaluation_job_id
from lq_crm.doctype.tier.models import Tier, TierChange
from tests.factories import CardFactory, submitted_slip


def run_queued_job(job_id: str) -> None:
    """Run the job the desk queued, in this process, as a worker would."""
    if settings.JOBS_INLINE:
        return

    import django_rq

    job = django_rq.get_queue("default").fetch_job(job_id)
    assert job is not None, f"job {job_id} was not queued"
    job.perform()


def test_threshold_change_moves_member(
    admin_client: Client, django_capture_on_commit_callbacks: Callable
) -> None:
    card = CardFactory()
    submitted_slip(card, "600.00")
    member = card.member
    vip = Tier.objects.get(code="vip")
    member.refresh_from_db()
    assert member.tier == vip

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:tier_tier_change", args=[vip.pk]),
            {
                "code": vip.code,
                "name": vip.name,
                "threshold": "700.00",
                "benefits": vip.benefits,
            },
            follow=True,
        )
    run_queued_job(reevaluation_job_id())

    assert response.status_code == 200
    levels = [message.level for message in response.context["messages"]]
    assert messages.INFO in levels
    member.refresh_from_db()
    assert member.tier.code == "ordinary"
    change = TierChange.objects.filter(member=member).first()
    assert change.cause == TierChange.Cause.THRESHOLD_CHANGED
    assert change.from_tier == vip
    assert change.spend == Decimal("600.00")


def test_unchanged_threshold_queues_nothing(
    admin_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    queued: list[str] = []
    monkeypatch.setattr(
        "lq_crm.doctype.tier.admin.enqueue_on_commit",
        lambda func, *args, job_id: queued.append(job_id),
    )
    vip = Tier.objects.get(code="vip")

    admin_client.post(
        reverse("admin:tier_tier_change", args=[vip.pk]),
        {
            "code": vip.code,
            "name": vip.name,
            "threshold": str(vip.threshold),
            "benefits": "新的权益说明",
        },
    )

    vip.refresh_from_db()
    assert vip.benefits == "新的权益说明"
    assert queued == []


@pytest.mark.parametrize("threshold", ["700.00", "800.00"])
def test_job_id_follows_thresholds(db: None, threshold: str) -> None:
    before = reevaluation_job_id()
    Tier.objects.filter(code="vip").update(threshold=Decimal(threshold))

    assert reevaluation_job_id() != before
    assert reevaluation_job_id() == reevaluation_job_id()
