"""The household's own membership data: tier progress, cards, points and slips."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from lq_crm.doctype.card.models import Card
from lq_crm.doctype.member.models import Member
from lq_crm.doctype.points.models import PointsLedgerEntry
from lq_crm.doctype.slip.models import PurchaseSlip
from lq_crm.doctype.tier.models import Tier

RECENT_LEDGER_ENTRIES = 20


@dataclass(frozen=True)
class TierProgress:
    """The household's tier and how much more spend reaches the next one."""

    tier: Tier | None
    spend: Decimal
    next_tier: Tier | None
    spend_needed: Decimal


def tier_progress(member: Member) -> TierProgress:
    """Return the tier and the spend still needed for the next tier, if any."""
    spend = member.qualifying_spend
    next_tier = Tier.objects.filter(threshold__gt=spend).order_by("threshold").first()
    needed = next_tier.threshold - spend if next_tier else Decimal("0.00")
    return TierProgress(
        tier=member.tier, spend=spend, next_tier=next_tier, spend_needed=needed
    )


def household_cards(member: Member) -> QuerySet[Card]:
    return Card.objects.filter(member=member).order_by("-issued_at", "-pk")


def usable_card(member: Member) -> Card | None:
    """Return the household's issued or active card, the newest first."""
    usable = household_cards(member).filter(
        status__in=[Card.Status.ISSUED, Card.Status.ACTIVE]
    )
    return usable.first()


def recent_ledger_entries(
    member: Member, limit: int = RECENT_LEDGER_ENTRIES
) -> list[PointsLedgerEntry]:
    entries = PointsLedgerEntry.objects.filter(member=member).select_related("slip")
    return list(entries.order_by("-created", "-pk")[:limit])


def household_slips(member: Member) -> QuerySet[PurchaseSlip]:
    """Return the household's submitted and cancelled slips, newest first.

    Drafts are left out: a clerk may still change them, and they count
    toward nothing.
    """
    return (
        PurchaseSlip.objects.filter(member=member)
        .exclude(status=PurchaseSlip.Status.DRAFT)
        .select_related("store", "card")
        .order_by("-purchased_at", "-pk")
    )
