"""Each cleaning rule on its own, as a plain function."""

from __future__ import annotations

from datetime import date

import pytest

from lq_crm.doctype.card.checkdigit import format_card_number
from lq_crm.imports.cleaning import (
    CleaningError,
    birth_year_from_age,
    check_not_mangled,
    clean_birth_year,
    clean_card_number,
    clean_gender,
    clean_name,
    clean_phone,
    clean_text,
    fold_width,
    name_key,
)
from lq_crm.imports.source import normalise_header

CARD_LENGTHS = frozenset({11})
TODAY = date(2026, 6, 1)


def test_fold_width_digits_and_letters() -> None:
    assert fold_width("１３９ＡＢｃ") == "139ABc"


def test_fold_width_full_width_space() -> None:
    assert fold_width("王\u3000小明") == "王 小明"


def test_clean_text_collapses_spaces() -> None:
    assert clean_text("  济南市\u3000 历下区  ") == "济南市 历下区"


def test_name_key_ignores_inner_spaces() -> None:
    assert name_key("王 小明") == name_key("王小明")
    assert name_key("王\u3000小 明") == "王小明"
    assert name_key("Li  Lei") == name_key("lilei")


def test_clean_name_missing() -> None:
    with pytest.raises(CleaningError, match="name is missing"):
        clean_name(" \u3000 ")


@pytest.mark.parametrize(
    "text",
    [
        "13912345678",
        "+86 139 1234 5678",
        "+8613912345678",
        "0086 13912345678",
        "86-13912345678",
        "139-1234-5678",
        "１３９１２３４５６７８",
    ],
)
def test_clean_phone_forms(text: str) -> None:
    assert clean_phone(text) == "+8613912345678"


def test_clean_phone_invalid() -> None:
    with pytest.raises(CleaningError, match="not a valid phone number"):
        clean_phone("12345")


def test_clean_phone_scientific_notation() -> None:
    with pytest.raises(CleaningError, match="scientific notation"):
        clean_phone("8.61391E+12")


@pytest.mark.parametrize("text", ["8.61381E+12", "3.7E+10", "１.２E+11", "1e15"])
def test_mangled_scientific_notation(text: str) -> None:
    with pytest.raises(CleaningError, match="scientific notation"):
        check_not_mangled(text)


def test_mangled_zeros_after_fifteenth_digit() -> None:
    with pytest.raises(CleaningError, match="after the 15th digit"):
        check_not_mangled("3701021980010100")


def test_mangled_keeps_fifteen_digits() -> None:
    assert check_not_mangled("370102198001010") == "370102198001010"


def test_card_number_valid() -> None:
    number = format_card_number("37", 12, 8)

    assert clean_card_number(f" {number[:4]} {number[4:]} ", CARD_LENGTHS) == number


def test_card_number_full_width() -> None:
    number = format_card_number("37", 12, 8)
    wide = "".join(chr(ord(digit) + 0xFEE0) for digit in number)

    assert clean_card_number(wide, CARD_LENGTHS) == number


def test_card_number_lost_leading_zeros() -> None:
    number = format_card_number("00", 1234, 8)

    with pytest.raises(CleaningError, match="removed its leading zeros"):
        clean_card_number(number.lstrip("0"), CARD_LENGTHS)


def test_card_number_wrong_length() -> None:
    with pytest.raises(CleaningError, match="has 5 digits, but card numbers have 11"):
        clean_card_number("12345", CARD_LENGTHS)


def test_card_number_check_digit() -> None:
    number = format_card_number("37", 12, 8)
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)

    with pytest.raises(CleaningError, match="check digit"):
        clean_card_number(wrong, CARD_LENGTHS)


def test_card_number_scientific_notation() -> None:
    with pytest.raises(CleaningError, match="scientific notation"):
        clean_card_number("3.70000E+10", CARD_LENGTHS)


def test_card_number_legacy_letters_kept() -> None:
    assert clean_card_number("CDNOW00007", CARD_LENGTHS) == "CDNOW00007"


@pytest.mark.parametrize(
    ("text", "gender"),
    [
        ("男", "male"),
        ("女", "female"),
        ("M", "male"),
        ("Female", "female"),
        ("", "unknown"),
    ],
)
def test_clean_gender(text: str, gender: str) -> None:
    assert clean_gender(text) == gender


def test_clean_gender_invalid() -> None:
    with pytest.raises(CleaningError, match="Gender 不详 is invalid"):
        clean_gender("不详")


def test_birth_year_from_spreadsheet_float() -> None:
    assert clean_birth_year("1980.0", TODAY) == 1980


def test_birth_year_full_width() -> None:
    assert clean_birth_year("１９８０", TODAY) == 1980


def test_birth_year_in_future() -> None:
    with pytest.raises(CleaningError, match="Birth year 2030 is invalid"):
        clean_birth_year("2030", TODAY)


def test_birth_year_from_age() -> None:
    assert birth_year_from_age("46", TODAY) == 1980


def test_age_not_a_number() -> None:
    with pytest.raises(CleaningError, match="Age forty is not a whole number"):
        birth_year_from_age("forty", TODAY)


@pytest.mark.parametrize("text", ["\ufeff姓名", " 姓 名 ", "姓\u3000名", "姓名\t"])
def test_header_normalised(text: str) -> None:
    assert normalise_header(text) == "姓名"


def test_header_english_forms() -> None:
    assert normalise_header("Card_Number") == normalise_header("card number")
