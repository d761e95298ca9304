"""Two clicks on merge or undo at the same moment, each on its own connection."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection

from lq_crm.doctype.card.models import Card
from lq_crm.doctype.member.models import Member
from lq_crm.doctype.region.models import Region
from lq_crm.duplicates.merging import (
    AlreadyMerged,
    AlreadyUndone,
    MergeError,
    merge_members,
    undo_merge,
)
from lq_crm.duplicates.models import Merge, MovedRow
from lq_crm.notify.models import Notification
from tests.factories import CardFactory, MemberFactory, submitted_slip

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(workers: list[Callable[[], object]]) -> list[BaseException]:
    """Start every worker at the same moment; return what they raised."""
    barrier = threading.Barrier(len(workers))
    errors: list[BaseException] = []

    def run(work: Callable[[], object]) -> None:
        try:
            barrier.wait()
            work()
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(work,)) for work in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def make_pair(city: Region) -> tuple[Member, Member]:
    survivor = CardFactory(member=MemberFactory(name="王小明", city=city))
    merged = CardFactory(member=MemberFactory(name="王小明", city=city))
    submitted_slip(survivor, "300.00")
    submitted_slip(merged, "300.00")
    return survivor.member, merged.member


def test_parallel_merges_merge_once(jinan: Region) -> None:
    survivor, merged = make_pair(jinan)

    errors = run_together(
        [lambda: merge_members(survivor, merged) for _click in range(3)]
    )

    assert len(errors) == 2
    assert all(isinstance(error, AlreadyMerged) for error in errors)
    merge = Merge.objects.get()
    # The merged household's card, slip and ledger entry, each moved once.
    assert MovedRow.objects.filter(merge=merge).count() == 3
    assert Card.objects.filter(member=survivor).count() == 2
    assert Notification.objects.filter(member=survivor).count() == 1


def test_opposite_merges_one_wins(jinan: Region) -> None:
    first, second = make_pair(jinan)

    errors = run_together(
        [lambda: merge_members(first, second), lambda: merge_members(second, first)]
    )

    assert len(errors) == 1
    assert isinstance(errors[0], MergeError)
    assert Merge.objects.count() == 1
    assert Member.objects.unmerged().filter(pk__in=[first.pk, second.pk]).count() == 1


def test_parallel_undos_undo_once(jinan: Region) -> None:
    survivor, merged = make_pair(jinan)
    merge = merge_members(survivor, merged)

    errors = run_together([lambda: undo_merge(merge) for _click in range(2)])

    assert len(errors) == 1
    assert isinstance(errors[0], AlreadyUndone)
    assert Card.objects.filter(member=merged).count() == 1
    assert Card.objects.filter(member=survivor).count() == 1
