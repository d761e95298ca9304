"""record_candidates: the pairs it stores, what it never stores again, its cost."""

from __future__ import annotations

import logging

import pytest
from django.contrib.auth.models import User

from lq_crm.doctype.member.models import Member
from lq_crm.doctype.region.models import Region
from lq_crm.duplicates.models import DuplicateCandidate
from lq_crm.duplicates.services import (
    MAX_BLOCK_SIZE,
    mark_not_duplicates,
    record_candidates,
    scan_all_members,
)
from tests.factories import HouseholdPersonFactory, MemberFactory, lowest_tier

pytestmark = pytest.mark.django_db


def pair_of(first: Member, second: Member) -> DuplicateCandidate:
    low, high = sorted([first.pk, second.pk])
    return DuplicateCandidate.objects.get(member_low_id=low, member_high_id=high)


def test_same_phone_similar_name_recorded(jinan: Region) -> None:
    first = MemberFactory(name="王小明", phone="+8613900000001", city=jinan)
    second = MemberFactory(name="王 小明", phone="+8613900000001", city=jinan)

    created = record_candidates([second.pk])

    assert created == 1
    pair = pair_of(first, second)
    assert pair.status == DuplicateCandidate.Status.OPEN
    assert pair.reasons[0] == "same_phone"
    assert pair.member_low_id < pair.member_high_id


def test_household_person_phone_not_recorded(jinan: Region) -> None:
    household = MemberFactory(name="王小明", phone="+8613900000001", city=jinan)
    HouseholdPersonFactory(member=household, name="刘芳", phone="+8613900000002")
    other = MemberFactory(name="赵磊", phone="+8613900000002", city=jinan)

    assert record_candidates([other.pk, household.pk]) == 0


def test_own_person_phone_matches_other_household(jinan: Region) -> None:
    other = MemberFactory(name="刘芳", phone="+8613900000002", city=jinan)
    household = MemberFactory(name="王小明", phone="+8613900000001", city=jinan)
    HouseholdPersonFactory(member=household, name="刘芳", phone="+8613900000002")

    assert record_candidates([household.pk]) == 1
    assert pair_of(other, household).reasons[0] == "person_phone"


def test_homophone_at_similar_address_recorded(jinan: Region) -> None:
    first = MemberFactory(
        name="张伟", phone="+8613900000005", address="泉城路12号2单元502", city=jinan
    )
    second = MemberFactory(
        name="章伟", phone="+8613900000006", address="泉城路12号2单元502室", city=jinan
    )

    assert record_candidates([first.pk]) == 1
    assert "same_name_sound" in pair_of(first, second).reasons


def test_pair_recorded_once(jinan: Region) -> None:
    first = MemberFactory(name="王小明", phone="+8613900000001", city=jinan)
    second = MemberFactory(name="王小明", phone="+8613900000001", city=jinan)

    assert record_candidates([first.pk, second.pk]) == 1
    assert record_candidates([second.pk]) == 0
    assert DuplicateCandidate.objects.count() == 1


def test_not_duplicates_remembered(jinan: Region, head_office_admin: User) -> None:
    first = MemberFactory(name="王小明", phone="+8613900000001", city=jinan)
    second = MemberFactory(name="王小明", phone="+8613900000001", city=jinan)
    record_candidates([second.pk])
    pair = pair_of(first, second)

    mark_not_duplicates(pair, head_office_admin)
    mark_not_duplicates(pair, head_office_admin)
    created = record_candidates([first.pk, second.pk])
    scanned = scan_all_members()

    pair.refresh_from_db()
    assert created == 0
    assert scanned == 0
    assert pair.status == DuplicateCandidate.Status.NOT_DUPLICATES
    assert pair.decided_by == head_office_admin
    assert DuplicateCandidate.objects.open().count() == 0


def test_stale_keys_refreshed(jinan: Region) -> None:
    first = MemberFactory(name="张伟", address="泉城路12号2单元502", city=jinan)
    second = MemberFactory(name="李四", address="泉城路12号2单元502", city=jinan)
    # A queryset update, as a bulk import does, bypasses the save signal.
    Member.objects.filter(pk=second.pk).update(name="章伟", name_key="")

    assert record_candidates([second.pk]) == 1
    second.refresh_from_db()
    assert second.name_key == "zhangwei"
    assert pair_of(first, second).status == DuplicateCandidate.Status.OPEN


def test_scan_all_members_finds_pairs(jinan: Region, qingdao: Region) -> None:
    MemberFactory(name="王小明", phone="+8613900000001", city=jinan)
    MemberFactory(name="王小明", phone="+8613900000001", city=qingdao)
    MemberFactory(name="李四", address="香港中路1号甲座", city=qingdao)
    MemberFactory(name="李 四", address="香港中路1号甲座", city=qingdao)
    MemberFactory(name="李四", address="香港中路1号甲座", city=jinan)
    calls: list[tuple[int, int]] = []

    created = scan_all_members(chunk_size=2, progress=lambda *args: calls.append(args))

    assert created == 2
    assert calls[-1] == (5, 5)
    assert len(calls) == 3


def test_record_candidates_queries_do_not_grow(
    jinan: Region, django_assert_max_num_queries
) -> None:
    """A chunk costs the same few queries for 10 or 200 households."""
    members = [
        MemberFactory(
            name=f"会员{index}",
            phone=f"+86139{index:08d}",
            address=f"经十路{index}号",
            city=jinan,
        )
        for index in range(200)
    ]
    Member.objects.update(name_key="")

    with django_assert_max_num_queries(12):
        record_candidates([member.pk for member in members[:10]])
    with django_assert_max_num_queries(12):
        record_candidates([member.pk for member in members])


def test_oversized_phone_block_skipped(
    jinan: Region, caplog: pytest.LogCaptureFixture
) -> None:
    """A store's phone keyed for hundreds of customers pairs none of them."""
    shared = "+8653188888888"
    Member.objects.bulk_create(
        Member(name="王小明", phone=shared, city=jinan, tier=lowest_tier())
        for _index in range(MAX_BLOCK_SIZE + 1)
    )
    newcomer = MemberFactory(name="王小明", phone=shared, city=jinan)

    with caplog.at_level(logging.WARNING, logger="lq_crm.duplicates.services"):
        created = record_candidates([newcomer.pk])

    assert created == 0
    assert "skipped 1 blocks" in caplog.text
    assert shared not in caplog.text
