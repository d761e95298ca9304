"""Count the club's households, cards, slips, spend, points and tiers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, Sum

from lq_crm.doctype.card.models import Card
from lq_crm.doctype.member.models import Member
from lq_crm.doctype.points.models import PointsLedgerEntry
from lq_crm.doctype.slip.models import PurchaseSlip
from lq_crm.doctype.tier.models import Tier


def club_summary() -> dict[str, Any]:
    """Return the club's totals, with every tier code in ``tiers``, even at 0.

    A household merged into another one is counted once, as the survivor.
    """
    households = Member.objects.unmerged()
    submitted = PurchaseSlip.objects.filter(status=PurchaseSlip.Status.SUBMITTED)
    slips = submitted.aggregate(count=Count("pk"), spend=Sum("total"))
    points = PointsLedgerEntry.objects.aggregate(total=Sum("points"))["total"]
    per_tier = dict(
        households.order_by()
        .values_list("tier__code")
        .annotate(count=Count("pk"))
        .values_list("tier__code", "count")
    )
    spend = (slips["spend"] or Decimal("0")).quantize(Decimal("0.01"))

    return {
        "households": households.count(),
        "cards": Card.objects.count(),
        "slips": slips["count"],
        "spend": str(spend),
        "points": points or 0,
        "tiers": {
            code: per_tier.get(code, 0)
            for code in Tier.objects.values_list("code", flat=True)
        },
    }
