"""Every portal page for a signed-in household; other households' ids give 404."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from lq_crm.doctype.card.models import Card
from lq_crm.doctype.event.allocation import PersonInput, register
from lq_crm.doctype.event.models import Event
from lq_crm.doctype.points.models import PointsLedgerEntry
from lq_crm.doctype.slip.services import cancel_slip
from lq_crm.doctype.tier.models import Tier
from tests.events.builders import make_event
from tests.factories import CardFactory, submitted_slip

from .test_member_support import household_with_card, sign_in

pytestmark = pytest.mark.django_db

PHONE = "+8613833330001"
OTHER_PHONE = "+8613833330002"


@pytest.fixture
def own_card(client: Client) -> Card:
    _member, card = household_with_card(PHONE)
    sign_in(client, PHONE)
    return card


@pytest.fixture
def other_card() -> Card:
    return household_with_card(OTHER_PHONE)[1]


def page(client: Client, name: str, *args: object) -> str:
    response = client.get(reverse(f"member_portal:{name}", args=args))
    assert response.status_code == 200
    return response.content.decode()


def test_home_shows_tier_points_cards(client: Client, own_card: Card) -> None:
    submitted_slip(own_card, "300.00")
    CardFactory(member=own_card.member, status=Card.Status.LOST)
    own_card.member.refresh_from_db()
    points = sum(
        PointsLedgerEntry.objects.filter(member=own_card.member).values_list(
            "points", flat=True
        )
    )
    vip = Tier.objects.get(code="vip")

    html = page(client, "home")

    assert own_card.member.tier.name in html
    assert f'data-test="points">{points}<' in html
    assert f"¥{vip.threshold - Decimal('300.00')} more spend reaches {vip.name}" in html
    assert own_card.card_number in html
    assert "status status-lost" in html


def test_home_top_tier_needs_nothing(client: Client, own_card: Card) -> None:
    top = Tier.objects.order_by("-threshold").first()
    assert top is not None
    submitted_slip(own_card, str(top.threshold))

    html = page(client, "home")

    assert "highest tier" in html


def test_points_page_lists_ledger(client: Client, own_card: Card) -> None:
    slip = submitted_slip(own_card, "120.00")
    cancel_slip(slip, reason="退货")
    entries = PointsLedgerEntry.objects.filter(member=own_card.member)
    assert entries.count() == 2

    html = page(client, "points")

    assert 'data-test="points">0<' in html
    assert html.count(slip.number) == 2


def test_slips_page_lists_own_slips(
    client: Client, own_card: Card, other_card: Card
) -> None:
    own = submitted_slip(own_card, "88.00")
    other = submitted_slip(other_card, "77.00")

    html = page(client, "slips")

    assert "¥88.00" in html
    assert "¥77.00" not in html
    assert reverse("member_portal:slip", args=[own.pk]) in html
    assert reverse("member_portal:slip", args=[other.pk]) not in html


def test_slip_detail_shows_lines(client: Client, own_card: Card) -> None:
    slip = submitted_slip(own_card, "66.50")

    html = page(client, "slip", slip.pk)

    assert slip.number in html
    assert "¥66.50" in html
    assert slip.store.name in html


def test_benefits_of_own_tier(client: Client, own_card: Card) -> None:
    tier = own_card.member.tier

    html = page(client, "benefits")

    assert tier.benefits
    assert tier.benefits in html
    for other in Tier.objects.all():
        assert other.name in html


def test_benefits_fall_back_to_tier(client: Client, own_card: Card) -> None:
    Tier.objects.filter(pk=own_card.member.tier_id).update(benefits="")

    html = page(client, "benefits")

    assert "has not listed its benefits" in html
    assert own_card.member.tier.name in html


def test_events_page_lists_open_events(client: Client, own_card: Card) -> None:
    event = make_event(title="健康讲座")
    make_event(title="草稿活动", status=Event.Status.DRAFT)

    html = page(client, "events")

    assert "健康讲座" in html
    assert "草稿活动" not in html
    assert reverse("member_portal:event", args=[event.pk]) in html


def test_event_page_renders(client: Client, own_card: Card) -> None:
    event = make_event(title="健康讲座")

    html = page(client, "event", event.pk)

    assert "健康讲座" in html
    assert 'data-test="register-form"' in html
    assert own_card.member.name in html


def test_account_page_renders(client: Client, own_card: Card) -> None:
    html = page(client, "account")

    assert "+86138****0001" in html
    assert PHONE not in html
    assert reverse("member_portal:personal-data") in html


def test_other_households_slip_is_404(
    client: Client, own_card: Card, other_card: Card
) -> None:
    slip = submitted_slip(other_card, "50.00")

    response = client.get(reverse("member_portal:slip", args=[slip.pk]))

    assert response.status_code == 404


def test_other_households_registration_is_404(
    client: Client, own_card: Card, other_card: Card
) -> None:
    event = make_event()
    registration = register(event, other_card, [PersonInput(name="李四")])
    url = reverse("member_portal:cancel-registration", args=[registration.pk])

    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    registration.refresh_from_db()
    assert registration.status == registration.Status.CONFIRMED


def test_closed_event_of_others_is_404(
    client: Client, own_card: Card, other_card: Card
) -> None:
    event = make_event()
    register(event, other_card, [PersonInput(name="李四")])
    Event.objects.filter(pk=event.pk).update(status=Event.Status.CLOSED)

    response = client.get(reverse("member_portal:event", args=[event.pk]))

    assert response.status_code == 404


def test_unknown_ids_are_404(client: Client, own_card: Card) -> None:
    for name in ("slip", "event", "cancel-registration"):
        response = client.get(reverse(f"member_portal:{name}", args=[999_999]))
        assert response.status_code == 404, name
