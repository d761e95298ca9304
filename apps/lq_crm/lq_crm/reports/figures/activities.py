"""Activity effectiveness: households won by each sign-up activity and their spend."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum
from django.utils.translation import gettext as _

from lq_crm.doctype.member.models import Member
from lq_crm.reports.figures.common import (
    activity_names,
    aggregate_rows,
    filtered_members,
)
from lq_crm.reports.filters import ReportFilters
from lq_crm.reports.links import households_url
from lq_crm.reports.models import HouseholdMonth, SignupMonth, SlipMonth
from lq_crm.reports.periods import last_day
from lq_crm.reports.tables import Link, Table, chart

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


@dataclass
class ActivityFigures:
    """One sign-up activity's households won in the period and their spend.

    ``spend`` is the period's spend of all households of the activity, None
    with a tier filter because the slip aggregates have no tier.
    """

    won: int = 0
    buyers: int = 0
    won_spend: Decimal = ZERO
    spend: Decimal | None = ZERO


def won_households(filters: ReportFilters) -> QuerySet[Member]:
    return filtered_members(filters).filter(
        joined_on__gte=filters.first_month, joined_on__lte=last_day(filters.last_month)
    )


def activity_rows(filters: ReportFilters) -> dict[str, ActivityFigures]:
    """Sum households won, buyers among them, their spend, and the period's spend."""
    rows: dict[str, ActivityFigures] = {}

    if filters.tier_id:
        won = (
            won_households(filters)
            .values_list("signup_activity")
            .annotate(total=Count("pk"))
        )
    else:
        won = (
            aggregate_rows(SignupMonth.objects.all(), filters)
            .values_list("activity")
            .annotate(total=Sum("households"))
        )
    for activity, total in won:
        if total:
            rows.setdefault(activity, ActivityFigures()).won = int(total)

    for activity in activity_names():
        won_here = won_households(filters).filter(signup_activity=activity)
        bought = HouseholdMonth.objects.filter(
            member_id__in=won_here.values("pk"), slips__gt=0
        ).aggregate(buyers=Count("member_id", distinct=True), spend=Sum("spend"))
        if bought["buyers"]:
            entry = rows.setdefault(activity, ActivityFigures())
            entry.buyers = bought["buyers"]
            entry.won_spend = bought["spend"] or ZERO

    if filters.tier_id:
        for entry in rows.values():
            entry.spend = None
        return rows

    spent = (
        aggregate_rows(SlipMonth.objects.all(), filters)
        .values_list("activity")
        .annotate(spend=Sum("spend"))
    )
    for activity, spend in spent:
        if spend:
            rows.setdefault(activity, ActivityFigures()).spend = spend
    return rows


def activities_table(filters: ReportFilters) -> Table:
    rows = activity_rows(filters)
    names = activity_names()
    table = Table(
        key="activities",
        title=_("Households won and their spend by sign-up activity"),
        headers=[
            _("Sign-up activity"),
            _("Households won"),
            _("Of which bought"),
            _("Their spend since joining (yuan)"),
            _("Spend per household won (yuan)"),
            _("Spend of all its households in the period (yuan)"),
        ],
        note=_(
            "Households won joined in the period. With a tier filter the "
            "last column is empty, because the aggregates have no tier."
        ),
    )
    ordered = sorted(rows.items(), key=lambda item: -item[1].won)
    for activity, figures in ordered:
        won_url = households_url(filters, activity=activity, joined="1")
        bought_url = households_url(filters, activity=activity, joined="1", bought="1")
        per_household = (
            (figures.won_spend / figures.won).quantize(CENT) if figures.won else None
        )
        table.rows.append(
            [
                names.get(activity, activity),
                Link(figures.won, won_url),
                Link(figures.buyers, bought_url),
                figures.won_spend,
                per_household,
                figures.spend,
            ]
        )
    table.chart = chart(
        [names.get(activity, activity) for activity, _figures in ordered],
        {
            _("Households won"): [figures.won for _activity, figures in ordered],
            _("Of which bought"): [figures.buyers for _activity, figures in ordered],
        },
    )
    return table
