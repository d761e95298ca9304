"""Clean the cells of an import file, one rule per function.

Each rule takes the text of one cell and returns the cleaned value, or
raises CleaningError with a message that states what is wrong and how to
fix it. Identifiers that a spreadsheet program mangled (scientific notation,
digits past the 15th turned to zeros, lost leading zeros) raise instead of
being repaired, because the digits that were lost cannot be recovered.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import cast

from django.db.models import CharField, DecimalField, Model
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lq_crm.core.phones import InvalidPhoneError, normalise_phone
from lq_crm.doctype.card.services import CardError, check_card_number
from lq_crm.doctype.member.models import Gender

# Spreadsheet programs keep 15 significant digits of a number and show
# longer or larger numbers as 8.61381E+12 unless the column is text.
SIGNIFICANT_DIGITS = 15
SCIENTIFIC = re.compile(r"^[+-]?\d+(\.\d*)?[eE][+-]?\d+$")
WHITESPACE = re.compile(r"\s+")
# Control characters (NUL and the like) that a cell may carry from another
# system; they are never part of a name, address or number.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
OLDEST_BIRTH_YEAR = 1900
MAX_AGE = 120
# The length of the name fields of households and persons.
NAME_MAX_LENGTH = 64

GENDER_WORDS = {
    "男": Gender.MALE,
    "male": Gender.MALE,
    "m": Gender.MALE,
    "女": Gender.FEMALE,
    "female": Gender.FEMALE,
    "f": Gender.FEMALE,
    "未知": Gender.UNKNOWN,
    "unknown": Gender.UNKNOWN,
}


class CleaningError(ValueError):
    """A cell that cannot be used as it is, with what to fix."""


def fold_width(text: str) -> str:
    """Fold full-width digits, letters and spaces to their ASCII forms (NFKC)."""
    return unicodedata.normalize("NFKC", text)


# Cities, genders, occupations and stores repeat from row to row, so the
# cleaned form of recent cells is kept.
@lru_cache(maxsize=4096)
def clean_text(text: str) -> str:
    """Fold the width, trim the ends and collapse runs of inner spaces to one."""
    return WHITESPACE.sub(" ", CONTROL.sub("", fold_width(text))).strip()


def name_key(name: str) -> str:
    """Return the form of a name used to compare names: no spaces at all.

    Chinese names are often keyed with a space between family and given name
    ("王 小明"), so two names that differ only in spaces are the same name.
    """
    return "".join(fold_width(name).split()).lower()


def clean_name(text: str) -> str:
    """Return a person's name with the width folded and the spacing tidied."""
    name = clean_text(text)
    if not name:
        raise CleaningError(_("The name is missing: enter the name from the form."))

    return check_length(name, NAME_MAX_LENGTH, gettext_lazy("Name"))


def check_length(text: str, limit: int, label: str | Promise) -> str:
    """Return ``text``, or raise CleaningError when it is longer than ``limit``."""
    if len(text) > limit:
        raise CleaningError(
            _("%(label)s has %(length)s characters; at most %(limit)s fit.")
            % {"label": label, "length": len(text), "limit": limit}
        )
    return text


def text_limit(model: type[Model], name: str) -> int:
    """Return the max_length of the text field ``name`` of ``model``."""
    return int(cast(CharField, model._meta.get_field(name)).max_length or 0)


def decimal_limit(model: type[Model], name: str) -> tuple[int, int]:
    """Return (max_digits, decimal_places) of the decimal field ``name``."""
    column = cast(DecimalField, model._meta.get_field(name))
    return int(column.max_digits or 0), int(column.decimal_places or 0)


def check_decimal_size(text: str, limit: tuple[int, int], label: str | Promise) -> str:
    """Return ``text``, or raise CleaningError when its number is too large to store.

    ``limit`` is the (max_digits, decimal_places) of the model field. Text
    that is not a finite number is returned as it is, for the caller's own
    number check to reject with its message.
    """
    max_digits, decimal_places = limit
    try:
        number = Decimal(text)
    except InvalidOperation:
        return text
    whole_digits = max_digits - decimal_places
    if number.is_finite() and number and number.adjusted() >= whole_digits:
        largest = Decimal(10) ** whole_digits - Decimal(1).scaleb(-decimal_places)
        raise CleaningError(
            _(
                "%(label)s %(value)s is too large: at most %(digits)s digits "
                "before the decimal point fit, so the largest is %(largest)s."
            )
            % {
                "label": label,
                "value": text,
                "digits": whole_digits,
                "largest": largest,
            }
        )
    return text


def check_not_mangled(text: str) -> str:
    """Raise CleaningError when an identifier was mangled by a spreadsheet program.

    Returns the text, width-folded and stripped, when it is not.
    """
    value = fold_width(text).strip()
    if SCIENTIFIC.match(value):
        raise CleaningError(
            _(
                "%(value)s is in scientific notation, so the spreadsheet dropped "
                "digits: format the column as text and copy the number from "
                "the original form."
            )
            % {"value": value}
        )

    digits = value.replace(" ", "").replace("-", "")
    if (
        digits.isdigit()
        and len(digits) > SIGNIFICANT_DIGITS
        and set(digits[SIGNIFICANT_DIGITS:]) == {"0"}
    ):
        raise CleaningError(
            _(
                "%(value)s ends in zeros after the 15th digit, which is how a "
                "spreadsheet stores a number too long for it: format the column "
                "as text and copy the number from the original form."
            )
            % {"value": value}
        )
    return value


def clean_phone(text: str) -> str:
    """Return a phone number in E.164 form, or raise CleaningError.

    ``+86``, ``0086``, ``86-``, spaces and dashes are understood by
    core.phones.normalise_phone.
    """
    value = check_not_mangled(text)
    try:
        return normalise_phone(value)
    except InvalidPhoneError as error:
        raise CleaningError(str(error)) from None


def clean_card_number(text: str, lengths: Collection[int]) -> str:
    """Return a card number, or raise CleaningError if it was mangled or mistyped.

    A number of digits only must have one of ``lengths`` digits and a valid
    Damm check digit. A shorter number that becomes valid when padded with
    zeros lost its leading zeros in a spreadsheet. A number with letters is a
    legacy number (such as ``CDNOW00007``) and is returned as it is, to be
    matched only against cards already on file.
    """
    value = "".join(check_not_mangled(text).split())
    if not value:
        raise CleaningError(_("The card number is missing."))
    if not (value.isascii() and value.isdigit()):
        return value

    if lengths and len(value) not in lengths:
        expected = ", ".join(str(length) for length in sorted(lengths))
        if len(value) < max(lengths) and lost_leading_zeros(value, lengths):
            raise CleaningError(
                _(
                    "Card number %(card)s has %(count)s digits instead of "
                    "%(expected)s: a spreadsheet removed its leading zeros. Format "
                    "the column as text and copy the number from the card."
                )
                % {"card": value, "count": len(value), "expected": expected}
            )
        raise CleaningError(
            _(
                "Card number %(card)s has %(count)s digits, but card numbers "
                "have %(expected)s: check the number on the card."
            )
            % {"card": value, "count": len(value), "expected": expected}
        )

    try:
        return check_card_number(value)
    except CardError as error:
        raise CleaningError(str(error)) from None


def lost_leading_zeros(digits: str, lengths: Collection[int]) -> bool:
    """Tell whether zero-padding ``digits`` to a card length makes a valid number."""
    for length in lengths:
        if length <= len(digits):
            continue
        try:
            check_card_number(digits.zfill(length))
        except CardError:
            continue
        return True
    return False


@lru_cache(maxsize=256)
def clean_gender(text: str) -> str:
    """Return a Gender value from 男/女/male/female/M/F, or raise CleaningError."""
    word = clean_text(text).lower()
    if not word:
        return Gender.UNKNOWN

    gender = GENDER_WORDS.get(word)
    if gender is None:
        raise CleaningError(
            _("Gender %(value)s is invalid: use 男 or 女 (male or female).")
            % {"value": text.strip()}
        )
    return gender


def clean_whole_number(text: str, label: str | Promise) -> int:
    """Return a whole number, accepting the ``1980.0`` that spreadsheets write."""
    value = fold_width(text).strip()
    if value.endswith(".0"):
        value = value[:-2]
    if not value.isdigit():
        raise CleaningError(
            _("%(label)s %(value)s is not a whole number.")
            % {"label": label, "value": text.strip()}
        )
    return int(value)


def clean_birth_year(text: str, today: date | None = None) -> int:
    """Return a birth year between 1900 and this year, or raise CleaningError."""
    year = clean_whole_number(text, gettext_lazy("Birth year"))
    this_year = (today or timezone.localdate()).year
    if not OLDEST_BIRTH_YEAR <= year <= this_year:
        raise CleaningError(
            _("Birth year %(year)s is invalid: enter a year from 1900 to %(now)s.")
            % {"year": year, "now": this_year}
        )
    return year


def birth_year_from_age(text: str, today: date | None = None) -> int:
    """Return the birth year of someone of the given age today, or raise."""
    age = clean_whole_number(text, gettext_lazy("Age"))
    if age > MAX_AGE:
        raise CleaningError(
            _("Age %(age)s is invalid: enter an age from 0 to 120.") % {"age": age}
        )
    return (today or timezone.localdate()).year - age
