"""clean_values converts each type to its stored form and rejects bad input."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError

from lq_crm.customize.models import CustomField
from lq_crm.customize.values import clean_values, merge_values
from lq_crm.doctype.member.models import Member
from lq_crm.doctype.region.models import Region
from lq_crm.doctype.store.models import Store

from .conftest import define_field, define_source_field

pytestmark = pytest.mark.django_db


@pytest.fixture
def fields(db: None) -> None:
    define_source_field(Member)
    define_field(Member, "children", field_type="integer")
    define_field(Member, "budget", field_type="decimal")
    define_field(Member, "visited_on", field_type="date")
    define_field(Member, "newsletter", field_type="check")
    define_field(Member, "remark", field_type="long_text")
    define_field(
        Member,
        "favourite_store",
        field_type="link",
        link_type=ContentType.objects.get_for_model(Store),
    )


def error_for(data: dict[str, Any], key: str, *, partial: bool = True) -> str:
    with pytest.raises(ValidationError) as caught:
        clean_values(Member, data, partial=partial)
    return " ".join(caught.value.message_dict[key])


@pytest.mark.parametrize(
    ("key", "given", "stored"),
    [
        ("source", "校园", "校园"),
        ("children", "3", 3),
        ("children", 2, 2),
        ("budget", "12.50", "12.50"),
        ("budget", Decimal("0.1"), "0.1"),
        ("visited_on", "2026-05-01", "2026-05-01"),
        ("visited_on", datetime.date(2026, 5, 1), "2026-05-01"),
        ("newsletter", "是", True),
        ("newsletter", False, False),
        ("remark", "  楼下有蛇  ", "楼下有蛇"),
        ("children", "", None),
    ],
)
def test_value_stored_form(fields: None, key: str, given: Any, stored: Any) -> None:
    assert clean_values(Member, {key: given}, partial=True) == {key: stored}


@pytest.mark.parametrize(
    ("key", "given", "message"),
    [
        ("source", "网络", "not one of the options"),
        ("children", "two", "not a whole number"),
        ("children", True, "not a whole number"),
        ("children", "2.5", "not a whole number"),
        ("budget", "abc", "not a number"),
        ("budget", "NaN", "not a number"),
        ("visited_on", "01/05/2026", "YYYY-MM-DD"),
        ("newsletter", "maybe", "not yes or no"),
        ("favourite_store", 999999, "id 999999"),
        ("favourite_store", "abc", "not the id"),
    ],
)
def test_value_rejected(fields: None, key: str, given: Any, message: str) -> None:
    assert message in error_for({key: given}, key)


def test_text_too_long(fields: None) -> None:
    define_field(Member, "nickname")

    assert "at most 255" in error_for({"nickname": "x" * 256}, "nickname")


def test_link_accepts_existing_pk(fields: None, jinan: Region) -> None:
    store = Store.objects.create(code="JN01", name="济南一店", city=jinan)

    assert clean_values(Member, {"favourite_store": store.pk}, partial=True) == {
        "favourite_store": store.pk
    }


def test_unknown_key_rejected(fields: None) -> None:
    assert "not an active custom field" in error_for({"shoe_size": 42}, "shoe_size")


def test_inactive_key_rejected(fields: None) -> None:
    field = CustomField.objects.get(key="children")
    field.active = False
    field.save()

    assert "not an active" in error_for({"children": 1}, "children")


def test_required_missing(fields: None) -> None:
    define_field(Member, "referral_code", required=True)

    assert "required" in error_for({}, "referral_code", partial=False)
    assert "required" in error_for({"referral_code": ""}, "referral_code")


def test_required_kept_from_existing(fields: None) -> None:
    define_field(Member, "referral_code", required=True)

    cleaned = clean_values(
        Member, {}, partial=False, existing={"referral_code": "LQ-1"}
    )

    assert "referral_code" not in cleaned


def test_default_fills_missing(fields: None) -> None:
    define_field(Member, "tshirt", field_type="select", options="S\nM\nL", default="M")

    assert clean_values(Member, {}, partial=False)["tshirt"] == "M"
    assert "tshirt" not in clean_values(Member, {}, partial=True)


def test_merge_removes_cleared() -> None:
    merged = merge_values({"a": 1, "b": 2}, {"a": None, "c": 3})

    assert merged == {"b": 2, "c": 3}
