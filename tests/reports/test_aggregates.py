"""The monthly aggregates against a recount, through every path that moves slips."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Sum

from lq_crm.doctype.member.models import Member
from lq_crm.doctype.slip.services import amend_slip, cancel_slip, submit_slip
from lq_crm.reports.aggregates import check_aggregates, rebuild_aggregates
from lq_crm.reports.models import (
    HouseholdCategoryMonth,
    HouseholdCount,
    HouseholdMonth,
    SalesMonth,
    SignupMonth,
    SlipMonth,
)
from tests.factories import CardFactory, MemberFactory, StoreFactory
from tests.reports.helpers import dated_slip, local

pytestmark = pytest.mark.django_db


def assert_no_mismatches() -> None:
    mismatches = check_aggregates()
    assert mismatches == dict.fromkeys(mismatches, 0)


@pytest.fixture
def jinan_card(jinan):
    return CardFactory(member=MemberFactory(city=jinan, joined_on=date(2026, 1, 5)))


def test_submit_adds_to_every_table(jinan, jinan_card):
    store = StoreFactory(city=jinan)

    dated_slip(
        jinan_card,
        store,
        local(2026, 3, 31, 23),
        [("health", "100.00"), ("health", "20.00"), ("cosmetics", "30.00")],
    )

    sales = SalesMonth.objects.get(
        month=date(2026, 3, 1),
        category_id__isnull=False,
        category_id=category_id("health"),
    )
    assert sales.slips == 1
    assert sales.slip_lines == 2
    assert sales.spend == Decimal("120.00")
    assert sales.city_id == jinan.pk
    assert sales.activity == Member.SignupActivity.STORE
    slips = SlipMonth.objects.get(month=date(2026, 3, 1))
    assert slips.slips == 1
    assert slips.slip_lines == 3
    assert slips.spend == Decimal("150.00")
    household = HouseholdMonth.objects.get(member_id=jinan_card.member_id)
    assert household.month == date(2026, 3, 1)
    assert household.slips == 1
    assert (
        HouseholdCategoryMonth.objects.filter(member_id=jinan_card.member_id).count()
        == 2
    )
    assert_no_mismatches()


def test_month_is_local_time(jinan, jinan_card):
    store = StoreFactory(city=jinan)

    # 00:30 on April 1st in Shanghai is still March 31st in UTC.
    dated_slip(jinan_card, store, local(2026, 4, 1, 0), [("health", "10.00")])

    assert SlipMonth.objects.get().month == date(2026, 4, 1)
    assert_no_mismatches()


def test_cancel_and_amend_match_recount(jinan, jinan_card):
    store = StoreFactory(city=jinan)
    kept = dated_slip(jinan_card, store, local(2026, 3, 2), [("health", "40.00")])
    wrong = dated_slip(jinan_card, store, local(2026, 3, 3), [("daily", "99.00")])

    cancel_slip(wrong)
    draft = amend_slip(wrong)
    submit_slip(draft)
    cancel_slip(kept)

    totals = SlipMonth.objects.aggregate(slips=Sum("slips"), spend=Sum("spend"))
    assert totals["slips"] == 1
    assert totals["spend"] == Decimal("99.00")
    assert_no_mismatches()


def test_draft_not_counted(jinan, jinan_card):
    store = StoreFactory(city=jinan)

    dated_slip(
        jinan_card, store, local(2026, 3, 2), [("health", "40.00")], submit=False
    )

    assert not SlipMonth.objects.exists()
    assert_no_mismatches()


def test_import_matches_recount(tmp_path: Path):
    path = tmp_path / "purchases.txt"
    path.write_text(
        " customer_id  date number_of_cds  dollar_value\r\n"
        " 00001 19970101  1   11.77\r\n"
        " 00001 19970215  2   20.00\r\n"
        " 00002 19970112  1   600.00\r\n",
        encoding="utf-8",
    )

    call_command(
        "import_slips",
        str(path),
        "--profile",
        "cdnow",
        "--no-progress",
        stdout=StringIO(),
        stderr=StringIO(),
    )

    assert SlipMonth.objects.aggregate(total=Sum("slips"))["total"] == 3
    assert SignupMonth.objects.get(month=date(1997, 1, 1)).households == 2
    assert SignupMonth.objects.get().activity == Member.SignupActivity.LEGACY
    assert HouseholdMonth.objects.count() == 3
    assert_no_mismatches()


def test_check_finds_tampered_row(jinan, jinan_card):
    store = StoreFactory(city=jinan)
    dated_slip(jinan_card, store, local(2026, 3, 2), [("health", "40.00")])

    SlipMonth.objects.update(spend=Decimal("41.00"))
    HouseholdMonth.objects.all().delete()

    mismatches = check_aggregates()
    assert mismatches["reports_slipmonth"] == 1
    assert mismatches["reports_householdmonth"] == 1
    assert mismatches["reports_salesmonth"] == 0


def test_rebuild_restores_recount(jinan, jinan_card):
    store = StoreFactory(city=jinan)
    dated_slip(jinan_card, store, local(2026, 3, 2), [("health", "40.00")])
    SlipMonth.objects.update(spend=Decimal("41.00"))
    SalesMonth.objects.create(
        month=date(2020, 1, 1),
        city_id=jinan.pk,
        store_id=store.pk,
        category_id=1,
        activity="store",
        slips=5,
    )

    written = rebuild_aggregates()

    assert written["reports_slipmonth"] == 1
    assert written["reports_signupmonth"] == 1
    assert written["reports_householdcount"] == 1
    assert SlipMonth.objects.get().spend == Decimal("40.00")
    assert_no_mismatches()


def test_rebuild_command_prints_check(jinan, jinan_card):
    output = StringIO()

    call_command("rebuild_aggregates", stdout=output)

    assert "reports_slipmonth" in output.getvalue()
    assert "equal to a recount" in output.getvalue()


def test_household_edit_moves_signup_and_sales(jinan, qingdao, jinan_card):
    store = StoreFactory(city=jinan)
    dated_slip(jinan_card, store, local(2026, 3, 2), [("health", "40.00")])
    member = jinan_card.member

    member.signup_activity = Member.SignupActivity.CAMPUS
    member.city = qingdao
    member.joined_on = date(2026, 2, 1)
    member.save()

    signup = SignupMonth.objects.get(households=1)
    assert signup.city_id == qingdao.pk
    assert signup.month == date(2026, 2, 1)
    assert signup.activity == Member.SignupActivity.CAMPUS
    assert HouseholdCount.objects.get(households=1).city_id == qingdao.pk
    assert SlipMonth.objects.get(slips=1).activity == Member.SignupActivity.CAMPUS
    assert_no_mismatches()


def test_household_delete_removes_signup(jinan):
    member = MemberFactory(city=jinan)

    member.delete()

    assert SignupMonth.objects.get().households == 0
    assert_no_mismatches()


def category_id(code: str) -> int:
    from lq_crm.doctype.product.models import ProductCategory

    return ProductCategory.objects.get(code=code).pk


def test_tier_move_updates_household_count(jinan, jinan_card):
    store = StoreFactory(city=jinan)

    dated_slip(jinan_card, store, local(2026, 3, 2), [("health", "600.00")])

    counts = dict(
        HouseholdCount.objects.filter(households__gt=0).values_list(
            "tier_id", "households"
        )
    )
    member = Member.objects.get(pk=jinan_card.member_id)
    assert member.tier.code == "vip"
    assert counts == {member.tier_id: 1}
    assert_no_mismatches()
