"""Exports of a regional office user: card CSV and event roster."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import User
from openpyxl import load_workbook
from rest_framework.test import APIClient

from lq_crm.doctype.card.models import Card
from tests.access.conftest import BOTH_WAYS, World, client_for
from tests.cards.conftest import make_batch

pytestmark = pytest.mark.django_db


def csv_card_numbers(response) -> set[str]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return {line.split(",")[1] for line in text.splitlines()[1:]}


@pytest.fixture
def batch_cards(world: World) -> list[Card]:
    """A batch whose first card went to Jinan and second to Qingdao."""
    batch = make_batch(first_serial=900, quantity=3)
    cards = list(batch.cards.order_by("serial"))
    Card.objects.filter(pk=cards[0].pk).update(member=world.jinan.member)
    Card.objects.filter(pk=cards[1].pk).update(member=world.qingdao.member)
    return cards


@pytest.mark.parametrize(("own", "other"), BOTH_WAYS)
def test_card_csv_action_exports_own_city_only(
    world: World, offices: dict[str, User], own: str, other: str
) -> None:
    selected = [world.jinan.card.pk, world.qingdao.card.pk, world.stock_card.pk]

    response = client_for(offices[own]).post(
        "/desk/card/card/", {"action": "export_csv", "_selected_action": selected}
    )

    numbers = csv_card_numbers(response)
    assert world.of(own).card.card_number in numbers
    assert world.stock_card.card_number in numbers
    assert world.of(other).card.card_number not in numbers


@pytest.mark.parametrize(("own", "other"), BOTH_WAYS)
def test_batch_csv_exports_own_city_only(
    world: World,
    offices: dict[str, User],
    batch_cards: list[Card],
    own: str,
    other: str,
) -> None:
    client = APIClient()
    client.force_authenticate(offices[own])
    batch_id = batch_cards[0].batch_id
    own_card, other_card = (
        (batch_cards[0], batch_cards[1]) if own == "jinan" else batch_cards[1::-1]
    )

    response = client.get(f"/api/card-batches/{batch_id}/export/")

    numbers = csv_card_numbers(response)
    assert own_card.card_number in numbers
    assert batch_cards[2].card_number in numbers
    assert other_card.card_number not in numbers


def roster_rows(response) -> list[tuple]:
    workbook = load_workbook(io.BytesIO(response.content))
    return list(workbook.active.iter_rows(min_row=2, values_only=True))


@pytest.mark.parametrize(("own", "other"), BOTH_WAYS)
def test_roster_exports_own_city_only(
    world: World, offices: dict[str, User], own: str, other: str
) -> None:
    selected = [world.jinan.registration.pk, world.qingdao.registration.pk]

    response = client_for(offices[own]).post(
        "/desk/event/registration/",
        {"action": "export_roster", "_selected_action": selected},
    )

    numbers = {row[0] for row in roster_rows(response)}
    assert numbers == {world.of(own).registration.number}


@pytest.mark.parametrize(("own", "other"), BOTH_WAYS)
def test_event_roster_skips_other_city_households(
    world: World, offices: dict[str, User], own: str, other: str
) -> None:
    """A province-wide event's roster lists only the user's own households."""
    from lq_crm.doctype.event.allocation import PersonInput, register

    for records in (world.jinan, world.qingdao):
        register(world.province_event, records.card, [PersonInput(name="同行人")])

    response = client_for(offices[own]).post(
        "/desk/event/event/",
        {"action": "export_roster", "_selected_action": [world.province_event.pk]},
    )

    households = {row[3] for row in roster_rows(response)}
    assert households == {world.of(own).member.number}
