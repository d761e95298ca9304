"""Compare two households' names, phones and addresses into a score and reasons.

The rules: the same phone with a similar name is a candidate, and so is a
similar name at a similar address. A shared phone alone is not, because the
persons of one household often share a phone.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz

from lq_crm.duplicates.keys import address_key, clean_name, name_key
from lq_crm.duplicates.models import Reason

# Similarities from 0 to 1 at which a name or an address counts as similar.
# Two-character names differ by one character at 0.5, so a similar name
# needs the same sound or a long shared part (王小明 and 王明 reach 0.8).
NAME_THRESHOLD = 0.8
ADDRESS_THRESHOLD = 0.85
# A shorter address may be found inside a longer one only from this length,
# so that "58号" alone does not match every address with that number.
MIN_CONTAINED_ADDRESS = 6

# Weights of the score: 1.0 is the same name, phone and address.
NAME_WEIGHT = 0.45
PHONE_WEIGHT = 0.35
ADDRESS_WEIGHT = 0.2


@dataclass(frozen=True)
class Profile:
    """The name, address and city of a household, or of a person on a form."""

    member_id: int | None
    name: str
    name_key: str
    # The address key: letters and digits only, without province and city.
    address: str
    city_id: int | None

    @classmethod
    def build(
        cls,
        *,
        member_id: int | None,
        name: str,
        address: str,
        city_id: int | None,
        city_name: str = "",
    ) -> Profile:
        """Build the profile of a form, computing its keys from the raw text."""
        return cls(
            member_id=member_id,
            name=clean_name(name),
            name_key=name_key(name),
            address=address_key(address, city_name),
            city_id=city_id,
        )


@dataclass(frozen=True)
class Evidence:
    score: float
    reasons: tuple[str, ...]


def name_similarity(first: Profile, second: Profile) -> tuple[float, str | None]:
    """Return the names' similarity and its reason code, None when not similar."""
    if not first.name or not second.name:
        return 0.0, None
    if first.name == second.name:
        return 1.0, Reason.SAME_NAME
    if first.name_key and first.name_key == second.name_key:
        return 0.95, Reason.SAME_NAME_SOUND

    by_text = fuzz.ratio(first.name, second.name)
    by_sound = fuzz.ratio(first.name_key, second.name_key)
    similarity = max(by_text, by_sound) / 100
    if similarity >= NAME_THRESHOLD:
        return similarity, Reason.SIMILAR_NAME
    return similarity, None


def address_similarity(first: Profile, second: Profile) -> tuple[float, str | None]:
    """Return the addresses' similarity and its reason code, None when not similar."""
    if not first.address or not second.address:
        return 0.0, None
    if first.address == second.address:
        return 1.0, Reason.SAME_ADDRESS

    similarity = fuzz.ratio(first.address, second.address)
    if min(len(first.address), len(second.address)) >= MIN_CONTAINED_ADDRESS:
        similarity = max(similarity, fuzz.partial_ratio(first.address, second.address))
    similarity /= 100
    if similarity >= ADDRESS_THRESHOLD:
        return similarity, Reason.SIMILAR_ADDRESS
    return similarity, None


def compare(
    first: Profile, second: Profile, *, phone_reason: str | None = None
) -> Evidence | None:
    """Return the evidence that two profiles are one household, or None.

    ``phone_reason`` is SAME_PHONE or PERSON_PHONE when the caller found the
    two through a shared phone. ``second`` is then the profile of whoever
    carries that phone, which may be a person of the other household.
    """
    name_score, name_reason = name_similarity(first, second)
    if name_reason is None:
        return None

    address_score, address_reason = address_similarity(first, second)
    if phone_reason is None and address_reason is None:
        return None

    reasons = [code for code in (phone_reason, name_reason, address_reason) if code]
    score = (
        NAME_WEIGHT * name_score
        + (PHONE_WEIGHT if phone_reason else 0.0)
        + ADDRESS_WEIGHT * address_score
    )
    return Evidence(score=round(score, 3), reasons=tuple(reasons))
