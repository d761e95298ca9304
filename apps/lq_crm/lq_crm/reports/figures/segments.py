"""Recency, frequency and monetary (RFM) segments, and households drifting away.

Each buying household gets a score from 1 to 3 on each measure, at the end
of the report's last month:

* recency: 3 if it bought in the last ``recent_months`` months, 1 if it has
  not bought for ``drift_months`` months (it is drifting away), else 2;
* frequency: its slips in the report's period, 3 from ``frequent_slips``,
  2 from ``regular_slips``, else 1;
* monetary: its spend in the period, 3 from ``high_spend`` yuan, 2 from
  ``medium_spend`` yuan, else 1.

The scores name the segments below, tested in this order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import (
    Case,
    CharField,
    DecimalField,
    IntegerField,
    Max,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lq_crm.doctype.member.models import Member
from lq_crm.reports.figures.common import filtered_members, has_member_filter
from lq_crm.reports.filters import ReportFilters
from lq_crm.reports.links import households_url
from lq_crm.reports.models import HouseholdMonth
from lq_crm.reports.periods import previous_month
from lq_crm.reports.tables import Link, Table, chart

SEGMENTS = {
    "champions": gettext_lazy("Champions: recent, frequent, big spenders"),
    "loyal": gettext_lazy("Loyal: buy regularly"),
    "big_spenders": gettext_lazy("Big spenders, not frequent"),
    "promising": gettext_lazy("Promising: bought recently, little so far"),
    "needs_attention": gettext_lazy("Need attention: buying less often"),
    "at_risk": gettext_lazy("At risk: good customers drifting away"),
    "hibernating": gettext_lazy("Hibernating: small customers drifting away"),
}
DRIFTING_SEGMENTS = ("at_risk", "hibernating")
NEVER_BOUGHT = "never_bought"


@dataclass(frozen=True)
class SegmentRules:
    """Thresholds of the RFM scores; staff change them on the segments page."""

    recent_months: int = 2
    drift_months: int = 6
    frequent_slips: int = 6
    regular_slips: int = 2
    high_spend: Decimal = Decimal("3000")
    medium_spend: Decimal = Decimal("800")


def months_back(month: date, count: int) -> date:
    for _step in range(count):
        month = previous_month(month)
    return month


def segment_expression(filters: ReportFilters, rules: SegmentRules) -> Case:
    recent = Q(last__gte=months_back(filters.last_month, rules.recent_months - 1))
    drifting = Q(last__lt=months_back(filters.last_month, rules.drift_months - 1))
    frequent = Q(frequency__gte=rules.frequent_slips)
    regular = Q(frequency__gte=rules.regular_slips)
    high = Q(monetary__gte=rules.high_spend)
    medium = Q(monetary__gte=rules.medium_spend)
    return Case(
        When(recent & frequent & (high | medium), then=Value("champions")),
        When(~drifting & regular & (high | medium), then=Value("loyal")),
        When(~drifting & high, then=Value("big_spenders")),
        When(recent, then=Value("promising")),
        When(~drifting, then=Value("needs_attention")),
        When(regular | medium, then=Value("at_risk")),
        default=Value("hibernating"),
        output_field=CharField(),
    )


def scored_households(filters: ReportFilters, rules: SegmentRules) -> QuerySet:
    """Select one row per buying household: last month, frequency, spend, segment."""
    rows = HouseholdMonth.objects.filter(month__lte=filters.last_month, slips__gt=0)
    if has_member_filter(filters):
        rows = rows.filter(member_id__in=filtered_members(filters).values("pk"))
    in_window = Q(month__gte=filters.first_month)
    return (
        rows.values("member_id")
        .annotate(
            last=Max("month"),
            frequency=Coalesce(
                Sum("slips", filter=in_window), 0, output_field=IntegerField()
            ),
            monetary=Coalesce(
                Sum("spend", filter=in_window),
                Decimal("0"),
                output_field=DecimalField(max_digits=16, decimal_places=2),
            ),
        )
        .annotate(segment=segment_expression(filters, rules))
        .order_by()
    )


def count_segments(filters: ReportFilters, rules: SegmentRules) -> dict[str, int]:
    inner, params = scored_households(filters, rules).query.sql_with_params()
    sql = f"SELECT segment, COUNT(*) FROM ({inner}) scored GROUP BY segment"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        counts = {segment: int(total) for segment, total in cursor.fetchall()}
    counts[NEVER_BOUGHT] = never_bought(filters, rules).count()
    return counts


def never_bought(filters: ReportFilters, rules: SegmentRules) -> QuerySet[Member]:
    """Select households that joined before the drift cut-off and never bought."""
    cutoff = months_back(filters.last_month, rules.drift_months - 1)
    buyers = HouseholdMonth.objects.filter(month__lte=filters.last_month, slips__gt=0)
    return (
        filtered_members(filters)
        .filter(joined_on__lt=cutoff)
        .exclude(pk__in=buyers.values("member_id"))
    )


def segment_members(
    filters: ReportFilters, rules: SegmentRules, segment: str
) -> QuerySet[Member]:
    """Select the households of one segment, or of every drifting segment."""
    if segment == NEVER_BOUGHT:
        return never_bought(filters, rules)

    chosen = DRIFTING_SEGMENTS if segment == "drifting" else (segment,)
    scored = scored_households(filters, rules).filter(segment__in=chosen)
    return Member.objects.filter(pk__in=scored.values("member_id"))


def segments_table(
    filters: ReportFilters, rules: SegmentRules, extra: dict[str, object]
) -> Table:
    counts = count_segments(filters, rules)
    table = Table(
        key="segments",
        title=_("Recency, frequency and monetary segments"),
        headers=[_("Segment"), _("Households")],
        note=_(
            "Drifting away: no purchase for %(months)d months or more. "
            "Frequency and spend count the slips of the chosen period."
        )
        % {"months": rules.drift_months},
    )
    labels = {
        **SEGMENTS,
        NEVER_BOUGHT: gettext_lazy("Never bought, joined before the cut-off"),
    }
    for segment, label in labels.items():
        total = counts.get(segment, 0)
        url = households_url(filters, segment=segment, **extra)
        table.rows.append([str(label), Link(total, url)])
    drifting = sum(counts.get(segment, 0) for segment in DRIFTING_SEGMENTS)
    drifting_url = households_url(filters, segment="drifting", **extra)
    table.rows.append(
        [_("All drifting away (at risk and hibernating)"), Link(drifting, drifting_url)]
    )
    table.chart = chart(
        [str(label) for label in labels.values()],
        {_("Households"): [counts.get(segment, 0) for segment in labels]},
    )
    return table
