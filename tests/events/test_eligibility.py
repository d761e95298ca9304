"""Eligibility: spend window in Asia/Shanghai, returning members, tier, city."""

import zoneinfo
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from lq_crm.doctype.event.eligibility import (
    EligibilityError,
    check_eligibility,
    spend_in_window,
)
from lq_crm.doctype.event.models import Event, Registration
from lq_crm.doctype.product.models import ProductCategory
from lq_crm.doctype.region.models import Region
from lq_crm.doctype.slip.services import cancel_slip
from lq_crm.doctype.tier.models import Tier

from .builders import make_event, make_household, persons, spend

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def windowed_event(**fields: object) -> Event:
    return make_event(
        spend_since=date(2026, 1, 1),
        spend_until=date(2026, 6, 30),
        min_spend_new=Decimal("300.00"),
        min_spend_returning=Decimal("100.00"),
        **fields,
    )


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SHANGHAI)


def test_slip_at_last_second_of_window_counts(jinan: Region) -> None:
    member, card = make_household(jinan)
    spend(card, "300.00", purchased_at=at(2026, 6, 30, 23, 59, 59))

    basis = check_eligibility(member, windowed_event())

    assert basis.spend == Decimal("300.00")
    assert basis.since == date(2026, 1, 1)
    assert basis.until == date(2026, 6, 30)
    assert "300.00" in basis.rule


def test_slip_at_midnight_after_window_does_not_count(jinan: Region) -> None:
    member, card = make_household(jinan)
    spend(card, "300.00", purchased_at=at(2026, 7, 1, 0, 0, 0))

    with pytest.raises(EligibilityError) as caught:
        check_eligibility(member, windowed_event())

    assert "¥300.00 more spend between 2026-01-01 and 2026-06-30" in str(caught.value)


def test_slip_before_first_day_does_not_count(jinan: Region) -> None:
    member, card = make_household(jinan)
    spend(card, "300.00", purchased_at=at(2025, 12, 31, 23, 59, 59))
    spend(card, "50.00", purchased_at=at(2026, 1, 1, 0, 0, 0))

    assert spend_in_window(member, windowed_event()) == Decimal("50.00")


def test_error_says_how_much_is_missing(jinan: Region) -> None:
    member, card = make_household(jinan)
    spend(card, "180.00", purchased_at=at(2026, 3, 1, 10))

    with pytest.raises(EligibilityError) as caught:
        check_eligibility(member, windowed_event())

    assert "¥120.00 more spend between 2026-01-01 and 2026-06-30 is needed" in str(
        caught.value
    )


def test_cancelled_slip_does_not_count(jinan: Region) -> None:
    member, card = make_household(jinan)
    slip = spend(card, "500.00", purchased_at=at(2026, 3, 1, 10))
    cancel_slip(slip)

    assert spend_in_window(member, windowed_event()) == Decimal("0.00")


def test_non_qualifying_lines_only_count_by_total(jinan: Region) -> None:
    ProductCategory.objects.filter(code="daily").update(qualifying=False)
    member, card = make_household(jinan)
    spend(card, "200.00", purchased_at=at(2026, 3, 1, 10), category="daily")
    spend(card, "100.00", purchased_at=at(2026, 3, 2, 10), category="health")

    by_lines = windowed_event(spend_basis=Event.SpendBasis.QUALIFYING)
    by_total = windowed_event(spend_basis=Event.SpendBasis.TOTAL)

    assert spend_in_window(member, by_lines) == Decimal("100.00")
    assert spend_in_window(member, by_total) == Decimal("300.00")


def test_returning_trip_member_needs_lower_spend(jinan: Region) -> None:
    member, card = make_household(jinan)
    spend(card, "150.00", purchased_at=at(2026, 3, 1, 10))
    earlier = make_event(
        title="去年蛇园游",
        starts_at=timezone.now() - timedelta(days=300),
        ends_at=timezone.now() - timedelta(days=300),
    )
    Registration.objects.create(
        event=earlier,
        member=member,
        card=card,
        seats=1,
        status=Registration.Status.ATTENDED,
    )

    basis = check_eligibility(member, windowed_event())

    assert basis.spend == Decimal("150.00")
    assert "returning" in basis.rule


def test_new_household_uses_new_minimum(jinan: Region) -> None:
    member, card = make_household(jinan)
    spend(card, "150.00", purchased_at=at(2026, 3, 1, 10))

    with pytest.raises(EligibilityError) as caught:
        check_eligibility(member, windowed_event())

    assert "¥150.00 more spend" in str(caught.value)
    assert "new household" in str(caught.value)


def test_minimum_tier_rejects_lower_tier(jinan: Region) -> None:
    member, _card = make_household(jinan)
    event = make_event(min_tier=Tier.objects.get(code="vip"))

    with pytest.raises(EligibilityError) as caught:
        check_eligibility(member, event)

    assert "VIP贵宾会员" in str(caught.value)


def test_minimum_tier_accepts_higher_tier(jinan: Region) -> None:
    member, card = make_household(jinan)
    spend(card, "1200.00")
    member.refresh_from_db()
    event = make_event(min_tier=Tier.objects.get(code="vip"))

    assert check_eligibility(member, event).spend is None


def test_city_not_allowed_is_rejected(jinan: Region, qingdao: Region) -> None:
    member, _card = make_household(qingdao)
    event = make_event()
    event.allowed_cities.set([jinan])

    with pytest.raises(EligibilityError) as caught:
        check_eligibility(member, event)

    assert "青岛市" in str(caught.value)
    jinan_member, _card = make_household(jinan)
    assert check_eligibility(jinan_member, event).rule


def test_register_stores_eligibility_basis(jinan: Region) -> None:
    from lq_crm.doctype.event.allocation import register

    member, card = make_household(jinan)
    spend(card, "320.00", purchased_at=at(2026, 2, 1, 9))

    registration = register(windowed_event(), card, persons(1))

    assert registration.eligible_spend == Decimal("320.00")
    assert registration.spend_since == date(2026, 1, 1)
    assert registration.spend_until == date(2026, 6, 30)
    assert registration.eligibility_rule.startswith("new household")
    assert registration.member == member
