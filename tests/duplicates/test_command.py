"""The find_duplicates command, run here and queued as a job."""

from __future__ import annotations

from io import StringIO

import django_rq
import pytest
from django.core.management import CommandError, call_command

from lq_crm.doctype.region.models import Region
from lq_crm.duplicates.jobs import find_duplicates_job
from lq_crm.duplicates.models import DuplicateCandidate
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_command_records_pairs_once(jinan: Region) -> None:
    MemberFactory(name="王小明", phone="+8613900000001", city=jinan)
    MemberFactory(name="王小明", phone="+8613900000001", city=jinan)
    first, second = StringIO(), StringIO()

    call_command("find_duplicates", "--chunk-size", "1", stdout=first)
    call_command("find_duplicates", stdout=second)

    assert "1 new candidate pairs" in first.getvalue()
    assert "0 new candidate pairs" in second.getvalue()
    assert DuplicateCandidate.objects.count() == 1


def test_command_rejects_bad_chunk_size() -> None:
    with pytest.raises(CommandError, match="--chunk-size must be 1 or more"):
        call_command("find_duplicates", "--chunk-size", "0")


def test_job_safe_to_run_twice(jinan: Region) -> None:
    MemberFactory(name="李四", address="经十路88号3单元", city=jinan)
    MemberFactory(name="李 四", address="经十路88号3单元", city=jinan)

    assert find_duplicates_job() == 1
    assert find_duplicates_job() == 0


def test_background_option_queues_job(settings) -> None:
    settings.JOBS_INLINE = False
    output = StringIO()

    call_command("find_duplicates", "--background", stdout=output)

    queue = django_rq.get_queue("default")
    assert "find-duplicates" in queue.job_ids
    assert "queued as job find-duplicates" in output.getvalue()
    assert DuplicateCandidate.objects.count() == 0
