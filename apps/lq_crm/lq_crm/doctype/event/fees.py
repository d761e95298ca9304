"""Work out what a household pays for an event, from its tier's share of the fee."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from lq_crm.doctype.event.models import Event
from lq_crm.doctype.member.models import Member
from lq_crm.doctype.tier.models import Tier

CENT = Decimal("0.01")
WHOLE_FEE = Decimal("100.00")


@dataclass(frozen=True)
class FeeQuote:
    """The fee of one registration and the tier share behind it.

    ``percent`` is None for a free event, where no share applies.
    """

    tier: Tier | None
    percent: Decimal | None
    per_person: Decimal
    total: Decimal


def fee_percent(event: Event, tier: Tier | None) -> Decimal:
    """Return the percentage of the fee that households of ``tier`` pay."""
    if tier is None:
        return WHOLE_FEE

    percent = (
        event.fee_shares.filter(tier=tier).values_list("percent", flat=True).first()
    )
    return WHOLE_FEE if percent is None else percent


def quote_fee(event: Event, member: Member, seats: int) -> FeeQuote:
    """Return the fee for ``seats`` persons of the household at its current tier.

    Each person pays the event's fee per person times the tier's share,
    rounded half up to the fen, so the total is a sum of equal per-person fees.
    """
    tier = member.tier
    if event.fee_per_person <= 0:
        zero = Decimal("0.00")
        return FeeQuote(tier=tier, percent=None, per_person=zero, total=zero)

    percent = fee_percent(event, tier)
    per_person = (event.fee_per_person * percent / WHOLE_FEE).quantize(
        CENT, rounding=ROUND_HALF_UP
    )
    return FeeQuote(
        tier=tier, percent=percent, per_person=per_person, total=per_person * seats
    )
