"""Normalise phone numbers to E.164 and mask them for display."""

from __future__ import annotations

import unicodedata

import phonenumbers
from django.utils.translation import gettext as _


class InvalidPhoneError(ValueError):
    """A phone number that does not parse or is not a valid number."""


def normalise_phone(text: str, region: str = "CN") -> str:
    """Return ``text`` as an E.164 number such as ``+8613912345678``.

    Full-width digits and spaces are folded by NFKC first. ``+86``, ``0086``
    and a bare ``86`` before a Chinese number are all understood, as are
    spaces, dashes and brackets. Raises InvalidPhoneError when the result is
    not a valid number for its country.
    """
    cleaned = unicodedata.normalize("NFKC", text).strip()
    if not cleaned:
        raise InvalidPhoneError(_("The phone number is empty."))

    try:
        parsed = phonenumbers.parse(cleaned, region)
    except phonenumbers.NumberParseException:
        raise InvalidPhoneError(
            _("%(value)s is not a phone number: enter 11 digits for a mobile.")
            % {"value": cleaned}
        ) from None
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhoneError(
            _(
                "%(value)s is not a valid phone number: check the digits, a "
                "mobile has 11."
            )
            % {"value": cleaned}
        )

    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(e164: str) -> str:
    """Hide the middle digits of an E.164 number: ``+86139****5678``.

    The country code, the first three and the last four national digits stay
    visible. A value too short to mask is hidden completely.
    """
    if not e164:
        return ""

    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return "*" * len(e164)

    national = phonenumbers.national_significant_number(parsed)
    if len(national) < 8:
        return f"+{parsed.country_code}" + "*" * len(national)

    hidden = "*" * (len(national) - 7)
    return f"+{parsed.country_code}{national[:3]}{hidden}{national[-4:]}"
