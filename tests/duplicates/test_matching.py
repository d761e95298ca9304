"""Candidate rules of similar_members, each checked both ways."""

from __future__ import annotations

import pytest

from lq_crm.doctype.member.models import Member
from lq_crm.doctype.region.models import Region
from lq_crm.duplicates.keys import address_key, clean_name, name_key
from lq_crm.duplicates.matching import similar_members
from tests.factories import HouseholdPersonFactory, MemberFactory

pytestmark = pytest.mark.django_db


def household(
    name: str, phone: str = "", address: str = "", **fields: object
) -> Member:
    return MemberFactory(name=name, phone=phone, address=address, **fields)


def test_keys_fold_spaces_width_and_homophones() -> None:
    assert clean_name(" 张 伟 ") == "张伟"
    assert clean_name("ＬＩ　Ｍｉｎｇ") == "liming"
    assert name_key("张伟") == name_key("章伟") == "zhangwei"
    assert name_key("王小明") != name_key("王明")
    assert (
        address_key("山东省济南市 文化东路58号 3-201", "济南市") == "文化东路58号3201"
    )
    assert address_key("济南文化东路５８号3—201", "济南市") == "文化东路58号3201"


def test_saved_member_gets_keys(jinan: Region) -> None:
    member = household("章 伟", address="济南市文化东路58号", city=jinan)

    member.refresh_from_db()
    assert member.name_key == "zhangwei"
    assert member.address_key == "文化东路58号"


def test_same_phone_similar_name_matches(jinan: Region) -> None:
    saved = household("王小明", "+8613900000001", "历山路1号", city=jinan)

    matches = similar_members(name="王 小明", phone="139 0000 0001", city_id=jinan.pk)

    assert [match.member for match in matches] == [saved]
    assert matches[0].reasons == ["same phone", "same name"]
    assert 0 < matches[0].score <= 1


def test_same_phone_different_name_no_match(jinan: Region) -> None:
    household("王小明", "+8613900000001", city=jinan)

    assert similar_members(name="李建国", phone="13900000001", city_id=jinan.pk) == []


def test_household_person_phone_alone_no_match(jinan: Region) -> None:
    saved = household("王小明", "+8613900000009", city=jinan)
    HouseholdPersonFactory(member=saved, name="刘芳", phone="+8613900000002")

    different = similar_members(name="赵磊", phone="13900000002", city_id=jinan.pk)
    same_person = similar_members(name="刘芳", phone="13900000002", city_id=jinan.pk)

    assert different == []
    assert [match.member for match in same_person] == [saved]
    assert same_person[0].reason_codes[0] == "person_phone"


def test_similar_name_at_similar_address_matches(jinan: Region) -> None:
    saved = household("王小明", address="济南市历下区文化东路58号3单元201", city=jinan)

    matches = similar_members(
        name="王明", address="历下区文化东路58号3单元201", city_id=jinan.pk
    )

    assert [match.member for match in matches] == [saved]
    assert "similar name" in matches[0].reasons
    assert "same address" in matches[0].reasons


def test_similar_name_far_address_no_match(jinan: Region) -> None:
    household("王小明", address="历下区文化东路58号3单元201", city=jinan)

    matches = similar_members(
        name="王小明", address="槐荫区经十路300号", city_id=jinan.pk
    )

    assert matches == []


def test_different_name_same_address_no_match(jinan: Region) -> None:
    household("王小明", address="历下区文化东路58号3单元201", city=jinan)

    matches = similar_members(
        name="李建国", address="历下区文化东路58号3单元201", city_id=jinan.pk
    )

    assert matches == []


def test_pinyin_homophone_matches(jinan: Region) -> None:
    saved = household("张伟", address="历下区泉城路12号2单元502", city=jinan)

    matches = similar_members(
        name="章伟", address="泉城路12号2单元502室", city_id=jinan.pk
    )

    assert [match.member for match in matches] == [saved]
    assert "names sound the same" in matches[0].reasons
    assert "similar address" in matches[0].reasons


def test_other_city_address_no_match(jinan: Region, qingdao: Region) -> None:
    household("张伟", address="泉城路12号2单元502", city=qingdao)

    matches = similar_members(
        name="张伟", address="泉城路12号2单元502", city_id=jinan.pk
    )

    assert matches == []


def test_exclude_limit_and_order(jinan: Region) -> None:
    exact = household("王小明", "+8613900000003", "文化东路58号", city=jinan)
    phone_only = household("王小明", "+8613900000003", "经十路1号", city=jinan)
    household("王晓明", "+8613900000003", city=jinan)

    matches = similar_members(
        name="王小明", phone="13900000003", address="文化东路58号", city_id=jinan.pk
    )
    limited = similar_members(
        name="王小明", phone="13900000003", city_id=jinan.pk, limit=1
    )
    excluded = similar_members(
        name="王小明", phone="13900000003", city_id=jinan.pk, exclude_id=exact.pk
    )

    assert len(matches) == 3
    assert matches[0].member == exact
    assert matches[0].score > matches[1].score
    assert len(limited) == 1
    assert exact not in [match.member for match in excluded]
    assert phone_only in [match.member for match in excluded]


def test_merged_member_never_matches(jinan: Region) -> None:
    survivor = household("王小明", "+8613900000004", city=jinan)
    household("王小明", "+8613900000004", city=jinan, merged_into=survivor)

    matches = similar_members(name="王小明", phone="13900000004", city_id=jinan.pk)

    assert [match.member for match in matches] == [survivor]
