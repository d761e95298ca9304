from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Sum

from lq_crm.doctype.points.models import PointsLedgerEntry

if TYPE_CHECKING:
    from lq_crm.doctype.member.models import Member


def balance(member: Member) -> int:
    """Return the household's points balance: the sum of its ledger entries."""
    total = PointsLedgerEntry.objects.filter(member=member).aggregate(
        total=Sum("points")
    )
    return total["total"] or 0
