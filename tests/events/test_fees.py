"""Partial fees: each tier's share of the fee, recorded when the household registers."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from lq_crm.doctype.event.fees import quote_fee
from lq_crm.doctype.event.models import Event, EventFeeShare
from lq_crm.doctype.member.models import Member
from lq_crm.doctype.region.models import Region
from lq_crm.doctype.tier.models import Tier

from .builders import make_event, make_household, persons, spend
from .test_api import token_client

pytestmark = pytest.mark.django_db


def trip_with_shares() -> Event:
    """An 80-yuan trip: ordinary households pay 100%, VIP 50%, the top tiers 0%."""
    event = make_event(fee_per_person=Decimal("80.00"), capacity=20)
    for code, percent in [
        ("ordinary", "100"),
        ("vip", "50"),
        ("health_star", "0"),
        ("health_angel", "0"),
    ]:
        EventFeeShare.objects.create(
            event=event, tier=Tier.objects.get(code=code), percent=Decimal(percent)
        )
    return event


def household_of_tier(city: Region, code: str) -> tuple[Member, object]:
    member, card = make_household(city)
    Member.objects.filter(pk=member.pk).update(tier=Tier.objects.get(code=code))
    return member, card


@pytest.mark.parametrize(
    ("code", "fee_due", "percent"),
    [
        ("ordinary", "160.00", "100.00"),
        ("vip", "80.00", "50.00"),
        ("health_star", "0.00", "0.00"),
        ("health_angel", "0.00", "0.00"),
    ],
)
def test_fee_due_follows_tier_share(
    jinan: Region, code: str, fee_due: str, percent: str
) -> None:
    from lq_crm.doctype.event.allocation import register

    event = trip_with_shares()
    _member, card = household_of_tier(jinan, code)

    registration = register(event, card, persons(2))

    registration.refresh_from_db()
    assert registration.fee_due == Decimal(fee_due)
    assert registration.fee_percent == Decimal(percent)
    assert registration.fee_tier is not None
    assert registration.fee_tier.code == code


def test_tier_without_share_pays_whole_fee(jinan: Region) -> None:
    from lq_crm.doctype.event.allocation import register

    event = make_event(fee_per_person=Decimal("80.00"))
    EventFeeShare.objects.create(
        event=event, tier=Tier.objects.get(code="vip"), percent=Decimal("50")
    )
    _member, card = household_of_tier(jinan, "health_star")

    registration = register(event, card, persons(3))

    assert registration.fee_due == Decimal("240.00")
    assert registration.fee_percent == Decimal("100.00")


def test_household_without_tier_pays_whole_fee(jinan: Region) -> None:
    event = trip_with_shares()
    member, _card = make_household(jinan)
    Member.objects.filter(pk=member.pk).update(tier=None)
    member.refresh_from_db()

    quote = quote_fee(event, member, 2)

    assert quote.tier is None
    assert quote.percent == Decimal("100.00")
    assert quote.total == Decimal("160.00")


def test_per_person_fee_rounds_to_fen(jinan: Region) -> None:
    event = make_event(fee_per_person=Decimal("33.33"))
    EventFeeShare.objects.create(
        event=event, tier=Tier.objects.get(code="vip"), percent=Decimal("50")
    )
    member, _card = household_of_tier(jinan, "vip")
    member.refresh_from_db()

    quote = quote_fee(event, member, 2)

    # 16.665 rounds half up to 16.67 for each person.
    assert quote.per_person == Decimal("16.67")
    assert quote.total == Decimal("33.34")


def test_free_event_records_tier_without_share(jinan: Region) -> None:
    from lq_crm.doctype.event.allocation import register

    event = make_event()
    _member, card = household_of_tier(jinan, "vip")

    registration = register(event, card, persons(2))

    assert registration.fee_due == Decimal("0.00")
    assert registration.fee_percent is None
    assert registration.fee_tier == Tier.objects.get(code="vip")


def test_later_tier_change_keeps_recorded_fee(jinan: Region) -> None:
    from lq_crm.doctype.event.allocation import register

    event = trip_with_shares()
    member, card = make_household(jinan)
    spend(card, "600.00")
    registration = register(event, card, persons(2))

    spend(card, "600.00")

    member.refresh_from_db()
    registration.refresh_from_db()
    assert member.tier.code == "health_star"
    assert registration.fee_due == Decimal("80.00")
    assert registration.fee_percent == Decimal("50.00")
    assert registration.fee_tier.code == "vip"


def test_later_share_change_keeps_recorded_fee(jinan: Region) -> None:
    from lq_crm.doctype.event.allocation import register

    event = trip_with_shares()
    _member, card = household_of_tier(jinan, "vip")
    registration = register(event, card, persons(1))

    EventFeeShare.objects.filter(event=event, tier__code="vip").update(
        percent=Decimal("0")
    )

    registration.refresh_from_db()
    assert registration.fee_due == Decimal("40.00")


def test_api_shows_fee_basis(jinan: Region, jinan_office: User) -> None:
    event = trip_with_shares()
    _member, card = household_of_tier(jinan, "vip")
    client = token_client(jinan_office)

    created = client.post(
        "/api/event-registrations/",
        {
            "event": event.pk,
            "card_number": card.card_number,
            "persons": [{"name": "甲"}],
        },
        format="json",
    )
    listed = client.get(f"/api/events/{event.pk}/")

    assert created.status_code == 201, created.content
    data = created.json()
    assert data["fee_due"] == "40.00"
    assert data["fee_tier"] == "vip"
    assert data["fee_percent"] == "50.00"
    shares = {row["tier"]: row["percent"] for row in listed.json()["fee_shares"]}
    assert shares == {
        "ordinary": "100.00",
        "vip": "50.00",
        "health_star": "0.00",
        "health_angel": "0.00",
    }


def test_roster_and_desk_show_fee_basis(jinan: Region, jinan_office: User) -> None:
    from lq_crm.doctype.event.allocation import register

    event = trip_with_shares()
    _member, card = household_of_tier(jinan, "vip")
    registration = register(event, card, persons(2))
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(jinan_office)

    roster = client.post(
        reverse("admin:event_event_changelist"),
        {"action": "export_roster", "_selected_action": [event.pk]},
    )
    page = client.get(
        reverse("admin:event_registration_change", args=[registration.pk])
    )

    rows = list(
        load_workbook(io.BytesIO(roster.content)).active.iter_rows(values_only=True)
    )
    header = rows[0]
    row = dict(zip(header, rows[1], strict=True))
    assert row["Fee due (yuan)"] == 80
    assert row["Tier at registration"] == "VIP贵宾会员"
    assert row["Fee share, percent"] == 50
    assert page.status_code == 200
    content = page.content.decode()
    assert "VIP贵宾会员" in content
    assert "80.00" in content


def test_desk_edits_fee_shares_inline(head_office: User) -> None:
    event = trip_with_shares()
    client = Client()
    client.force_login(head_office)

    page = client.get(reverse("admin:event_event_change", args=[event.pk]))

    assert page.status_code == 200
    content = page.content.decode()
    assert 'name="fee_shares-TOTAL_FORMS"' in content
    assert 'value="50.00"' in content
