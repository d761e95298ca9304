"""Card numbers end in a Damm check digit that catches typing errors."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import damm

from lq_crm.doctype.card.checkdigit import (
    CheckDigitError,
    format_card_number,
    validate_card_number,
)
from lq_crm.doctype.card.models import Card
from lq_crm.doctype.card.services import CardError, check_card_number, get_usable_card

# Prefix "37" and an 8-digit serial, as the default batch prints them.
card_numbers = st.integers(min_value=0, max_value=10**8 - 1).map(
    lambda serial: format_card_number("37", serial, 8)
)


def test_format_pads_serial_and_appends_digit() -> None:
    number = format_card_number("37", 42, 8)

    assert number[:-1] == "3700000042"
    assert number[-1] == damm.calc_check_digit("3700000042")
    assert validate_card_number(number) == number


def test_validate_strips_inner_spaces() -> None:
    number = format_card_number("37", 42, 8)

    assert validate_card_number(f" {number[:4]} {number[4:]} ") == number


@given(number=card_numbers, data=st.data())
def test_single_digit_change_detected(number: str, data: st.DataObject) -> None:
    position = data.draw(st.integers(min_value=0, max_value=len(number) - 1))
    digit = data.draw(
        st.sampled_from("0123456789").filter(lambda d: d != number[position])
    )
    typed = number[:position] + digit + number[position + 1 :]

    with pytest.raises(CheckDigitError, match="check digit"):
        validate_card_number(typed)


@given(number=card_numbers, data=st.data())
def test_adjacent_transposition_detected(number: str, data: st.DataObject) -> None:
    position = data.draw(st.integers(min_value=0, max_value=len(number) - 2))
    first, second = number[position], number[position + 1]
    if first == second:
        return
    typed = number[:position] + second + first + number[position + 2 :]

    with pytest.raises(CheckDigitError, match="check digit"):
        validate_card_number(typed)


@pytest.mark.parametrize("typed", ["37-0001", "３７００", "abc", "7"])
def test_validate_rejects_malformed(typed: str) -> None:
    with pytest.raises(CheckDigitError):
        validate_card_number(typed)


def test_check_card_number_skips_legacy() -> None:
    assert check_card_number(" 12345 ", legacy=True) == "12345"
    with pytest.raises(CardError, match="does not match"):
        check_card_number("12345")


def test_usable_card_mistyped_number(issued_card: Card) -> None:
    number = issued_card.card_number
    wrong_digit = "1" if number[3] != "1" else "2"
    typed = number[:3] + wrong_digit + number[4:]

    with pytest.raises(CardError) as raised:
        get_usable_card(typed)

    assert "check digit" in str(raised.value)
    assert "mistyped" in str(raised.value)
    assert "not found" not in str(raised.value)


def test_usable_card_valid_unknown_number(db: None) -> None:
    unknown = format_card_number("99", 1, 8)

    with pytest.raises(CardError, match="was not found"):
        get_usable_card(unknown)


def test_usable_card_legacy_number(issued_card: Card) -> None:
    # A migrated number that fails the Damm check is still found.
    legacy_number = "880012345"
    assert not damm.is_valid(legacy_number)
    legacy = Card.objects.create(
        card_number=legacy_number,
        legacy=True,
        status=Card.Status.ACTIVE,
        member=issued_card.member,
    )

    assert get_usable_card(legacy_number) == legacy


def test_usable_card_ignores_inner_spaces(issued_card: Card) -> None:
    number = issued_card.card_number
    typed = f" {number[:3]} {number[3:7]} {number[7:]} "

    assert get_usable_card(typed) == issued_card
