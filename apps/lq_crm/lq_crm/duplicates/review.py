"""Facts about the two households of a pair for the review queue, masked per user."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from lq_crm.access.scope import allowed_city_ids
from lq_crm.core.masking import mask_address, may_view_personal_data
from lq_crm.core.phones import mask_phone
from lq_crm.core.scoping import visible_to
from lq_crm.doctype.event.models import Registration
from lq_crm.doctype.member.models import Member
from lq_crm.doctype.points.services import balance
from lq_crm.doctype.slip.models import PurchaseSlip
from lq_crm.duplicates.models import DuplicateCandidate, Merge


def pairs_visible_to(queryset: QuerySet, user: Any) -> QuerySet:
    """Select the pairs whose two households are both in the user's cities."""
    queryset = visible_to(queryset, user)
    city_ids = allowed_city_ids(user)
    if city_ids is None:
        return queryset
    return queryset.filter(member_high__city__in=city_ids)


def merges_visible_to(queryset: QuerySet[Merge], user: Any) -> QuerySet[Merge]:
    """Select the merges whose two households are both in the user's cities."""
    queryset = visible_to(queryset, user)
    city_ids = allowed_city_ids(user)
    if city_ids is None:
        return queryset
    return queryset.filter(merged__city__in=city_ids)


@dataclass(frozen=True)
class HouseholdFacts:
    """One household of a pair, as shown to the reviewer."""

    member: Member
    phone: str
    address: str
    cards: list[str]
    tier: str
    spend: Decimal
    points: int
    slips: int
    persons: int
    registrations: int


def household_facts(member: Member, user: Any) -> HouseholdFacts:
    personal = may_view_personal_data(user)
    submitted = PurchaseSlip.objects.filter(
        member=member, status=PurchaseSlip.Status.SUBMITTED
    )
    return HouseholdFacts(
        member=member,
        phone=member.phone if personal else mask_phone(member.phone),
        address=f"{member.city} {member.address}" if personal else mask_address(member),
        cards=list(member.cards.values_list("card_number", flat=True)),
        tier=str(member.tier or ""),
        spend=member.qualifying_spend,
        points=balance(member),
        slips=submitted.count(),
        persons=member.persons.count(),
        registrations=Registration.objects.filter(member=member).count(),
    )


def pair_facts(
    candidate: DuplicateCandidate, user: Any
) -> tuple[HouseholdFacts, HouseholdFacts]:
    return (
        household_facts(candidate.member_low, user),
        household_facts(candidate.member_high, user),
    )


def masked_phone_for(member: Member, user: Any) -> str:
    return member.phone if may_view_personal_data(user) else mask_phone(member.phone)
