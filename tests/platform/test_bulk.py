"""The bulk writer: shared values in the SQL, history rows copied in the database."""

from __future__ import annotations

import pytest

from lq_crm.core.bulk import copy_history, insert_rows, new_objects
from lq_crm.doctype.member.models import Member
from tests.factories import city_named, lowest_tier

pytestmark = pytest.mark.django_db


def build_members(names: list[str], address: str) -> list[Member]:
    city = city_named("济南市")
    tier = lowest_tier()
    rows = [
        {
            "name": name,
            "phone": f"+86139000000{index:02d}",
            "address": address,
            "city_id": city.pk,
            "tier_id": tier.pk,
        }
        for index, name in enumerate(names)
    ]
    return new_objects(Member, rows)


def test_shared_value_with_percent_sign() -> None:
    members = build_members(["王一", "王二", "王三"], "人民路 100% 号")

    insert_rows(members)

    stored = Member.objects.order_by("pk")
    assert [member.pk for member in stored] == [member.pk for member in members]
    assert [member.address for member in stored] == ["人民路 100% 号"] * 3
    assert [member.name for member in stored] == ["王一", "王二", "王三"]
    assert stored[0].custom == {}
    assert stored[0].created == members[0].created


def test_new_objects_gives_defaults() -> None:
    first, second = build_members(["李一", "李二"], "")

    assert first.gender == "unknown"
    assert first.custom == {}
    assert first.custom is not second.custom
    assert first.joined_on is not None


def test_new_objects_rejects_unknown_field() -> None:
    with pytest.raises(ValueError, match="has no field city"):
        new_objects(Member, [{"name": "张三", "city": 1}])


def test_copy_history_copies_rows() -> None:
    members = build_members(["赵一", "赵二"], "经十路 1 号")
    insert_rows(members)

    copy_history(
        Member,
        [member.pk for member in members],
        user=None,
        change_reason="Import 7 of members.csv",
    )

    history = list(Member.history.order_by("id"))
    assert [row.id for row in history] == [member.pk for member in members]
    assert [row.name for row in history] == ["赵一", "赵二"]
    assert {row.history_type for row in history} == {"+"}
    assert {row.history_change_reason for row in history} == {"Import 7 of members.csv"}
    assert history[0].address == "经十路 1 号"
    assert history[0].modified == Member.objects.get(pk=members[0].pk).modified
