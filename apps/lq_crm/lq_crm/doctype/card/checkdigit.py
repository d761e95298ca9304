"""Build and check card numbers that end in a Damm check digit.

The Damm algorithm detects every single mistyped digit and every swap of two
neighbouring different digits, the two errors that clerks make most often
when they key a number in from a card.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from stdnum import damm


class CheckDigitError(ValueError):
    """A card number whose digits or check digit are wrong."""


def format_card_number(prefix: str, serial: int, width: int) -> str:
    """Return prefix + serial zero-padded to ``width`` digits + the check digit."""
    body = f"{prefix}{serial:0{width}d}"
    return body + damm.calc_check_digit(body)


def validate_card_number(number: str) -> str:
    """Return ``number`` stripped of spaces, or raise CheckDigitError."""
    cleaned = "".join(number.split())
    if not cleaned.isascii() or not cleaned.isdigit():
        raise CheckDigitError(
            _("Card number %(card)s must contain digits only.") % {"card": cleaned}
        )
    if len(cleaned) < 2:
        raise CheckDigitError(
            _("Card number %(card)s is too short.") % {"card": cleaned}
        )
    if not damm.is_valid(cleaned):
        raise CheckDigitError(
            _(
                "The check digit of card number %(card)s does not match: the "
                "number was probably mistyped. Check it against the card."
            )
            % {"card": cleaned}
        )

    return cleaned
