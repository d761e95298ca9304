"""Find the existing households that a paper form may belong to, masked for the user."""

from __future__ import annotations

from dataclasses import dataclass

from lq_crm.core.masking import mask_address, may_view_personal_data
from lq_crm.core.phones import mask_phone
from lq_crm.core.scoping import User, visible_to
from lq_crm.doctype.card.models import Card
from lq_crm.doctype.member.models import Member
from lq_crm.duplicates.matching import clean_phone_or_blank, similar_members

MATCH_LIMIT = 5


@dataclass(frozen=True)
class HouseholdMatch:
    """An existing household similar to the form, with phone and address masked
    for users who may not view personal data."""

    member: Member
    score: float
    reasons: list[str]
    phone: str
    address: str
    card_number: str

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.member.pk,
            "number": self.member.number,
            "name": self.member.name,
            "city": self.member.city.name,
            "phone": self.phone,
            "address": self.address,
            "card_number": self.card_number,
            "score": round(self.score, 2),
            "reasons": self.reasons,
        }


def current_card_number(member: Member) -> str:
    card = member.cards.filter(
        status__in=[Card.Status.ISSUED, Card.Status.ACTIVE]
    ).first()
    return card.card_number if card else ""


def find_household_matches(
    *, name: str, phone: str, address: str, city_id: int | None, user: User
) -> list[HouseholdMatch]:
    """Return up to five similar households that the user may see, best first."""
    phone = clean_phone_or_blank(phone)
    if not (phone or (name.strip() and address.strip())):
        return []

    found = similar_members(
        name=name, phone=phone, address=address, city_id=city_id, limit=MATCH_LIMIT
    )
    visible_ids = set(
        visible_to(
            Member.objects.filter(pk__in=[match.member.pk for match in found]), user
        ).values_list("pk", flat=True)
    )
    unmasked = may_view_personal_data(user)
    return [
        HouseholdMatch(
            member=match.member,
            score=float(match.score),
            reasons=list(match.reasons),
            phone=match.member.phone if unmasked else mask_phone(match.member.phone),
            address=match.member.address if unmasked else mask_address(match.member),
            card_number=current_card_number(match.member),
        )
        for match in found
        if match.member.pk in visible_ids
    ]
