"""Generating card batches and exporting them for the printer."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import IntegrityError, transaction

from lq_crm.doctype.card.checkdigit import format_card_number, validate_card_number
from lq_crm.doctype.card.export import card_csv_lines
from lq_crm.doctype.card.models import Card, CardBatch
from lq_crm.doctype.card.services import CardError, generate_batch
from tests.cards.conftest import make_batch


def test_generate_creates_cards_in_stock(db: None) -> None:
    batch = make_batch(first_serial=100, quantity=25)

    cards = list(batch.cards.order_by("serial"))
    assert len(cards) == 25
    assert [card.serial for card in cards] == list(range(100, 125))
    assert {card.status for card in cards} == {Card.Status.IN_STOCK}
    assert cards[0].card_number == format_card_number("37", 100, 8)
    for card in cards:
        assert validate_card_number(card.card_number) == card.card_number


def test_generate_records_batch_history(db: None) -> None:
    batch = make_batch()

    assert batch.history.count() == 1


def test_overlap_rejected_naming_batch(db: None) -> None:
    existing = make_batch(first_serial=1, quantity=100)

    with pytest.raises(CardError) as raised:
        make_batch(first_serial=50, quantity=100)

    assert existing.number in str(raised.value)
    assert "overlap" in str(raised.value)
    assert CardBatch.objects.count() == 1
    assert Card.objects.count() == 100


@pytest.mark.parametrize(
    ("first_serial", "quantity"), [(1, 10), (100, 1), (91, 10), (95, 20)]
)
def test_overlap_edges_rejected(db: None, first_serial: int, quantity: int) -> None:
    make_batch(first_serial=1, quantity=100)

    with pytest.raises(CardError, match="overlap"):
        make_batch(first_serial=first_serial, quantity=quantity)


def test_adjacent_and_other_prefix_allowed(db: None) -> None:
    make_batch(first_serial=1, quantity=100)

    after = make_batch(first_serial=101, quantity=10)
    other_prefix = make_batch(first_serial=1, quantity=10, prefix="38")
    other_width = make_batch(first_serial=1, quantity=10, width=9)

    assert after.cards.count() == 10
    assert other_prefix.cards.count() == 10
    assert other_width.cards.count() == 10


def test_shared_numbers_rejected(db: None) -> None:
    # "37" + "00000012" and "370" + "0000012" print the same digits.
    make_batch(first_serial=10, quantity=5, prefix="37", width=8)

    with pytest.raises(CardError, match="already on file") as raised:
        make_batch(first_serial=10, quantity=5, prefix="370", width=7)

    assert format_card_number("37", 10, 8) in str(raised.value)
    assert CardBatch.objects.count() == 1
    assert Card.objects.count() == 5


def test_card_outside_batches_rejected(db: None) -> None:
    used_number = format_card_number("37", 5000, 8)
    Card.objects.create(card_number=used_number, legacy=True)
    # Numbers in the range but not printed by it: another check digit or length.
    Card.objects.create(card_number=used_number[:-1] + "x", legacy=True)
    Card.objects.create(card_number=used_number + "1", legacy=True)

    with pytest.raises(CardError, match="already on file") as raised:
        make_batch(first_serial=4990, quantity=20)
    beside = make_batch(first_serial=5001, quantity=20)

    assert used_number in str(raised.value)
    assert beside.cards.count() == 20


def test_card_number_unique_in_database(batch: CardBatch) -> None:
    card = batch.cards.first()
    assert card is not None

    with pytest.raises(IntegrityError), transaction.atomic():
        Card.objects.create(card_number=card.card_number)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"prefix": "3A"}, "digits only"),
        ({"width": 3}, "between 4 and 16"),
        ({"quantity": 0}, "between 1 and 100000"),
        ({"first_serial": 9995, "quantity": 10, "width": 4}, "does not fit"),
    ],
)
def test_invalid_batch_rejected(db: None, fields: dict, message: str) -> None:
    values = {"prefix": "37", "width": 8, "first_serial": 1, "quantity": 5} | fields

    with pytest.raises(CardError, match=message):
        generate_batch(CardBatch(**values))

    assert not CardBatch.objects.exists()


def read_csv(lines: list[str]) -> list[list[str]]:
    return list(csv.reader(io.StringIO("".join(lines))))


def test_csv_lines_content(db: None) -> None:
    batch = make_batch(first_serial=7, quantity=3)

    lines = list(card_csv_lines(Card.objects.filter(batch=batch)))

    assert lines[0].startswith("\ufeff")
    rows = read_csv(lines)
    assert rows[0] == ["\ufeffSerial", "Card number", "Batch number"]
    assert rows[1:] == [
        [str(serial), format_card_number("37", serial, 8), batch.number]
        for serial in (7, 8, 9)
    ]
