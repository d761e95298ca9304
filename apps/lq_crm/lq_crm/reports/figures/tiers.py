"""Households per tier now, and tier changes per month."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, DateField, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from lq_crm.doctype.tier.models import Tier, TierChange
from lq_crm.reports.figures.common import (
    city_names,
    member_condition,
    unknown,
)
from lq_crm.reports.filters import ReportFilters
from lq_crm.reports.links import households_url, tier_changes_url
from lq_crm.reports.models import HouseholdCount
from lq_crm.reports.periods import month_span
from lq_crm.reports.tables import Link, Table, chart, month_label


def count_tiers(filters: ReportFilters) -> dict[tuple[int, int], int]:
    """Count households by city and current tier (0 for none)."""
    rows = HouseholdCount.objects.order_by()
    if filters.city_ids is not None:
        rows = rows.filter(city_id__in=filters.city_ids)
    if filters.tier_id:
        rows = rows.filter(tier_id=filters.tier_id)
    if filters.activity:
        rows = rows.filter(activity=filters.activity)
    if filters.store_id:
        rows = rows.filter(store_id=filters.store_id)
    totals = rows.values_list("city_id", "tier_id").annotate(total=Sum("households"))
    return {(city, tier): total for city, tier, total in totals if total}


def tier_distribution_table(filters: ReportFilters) -> Table:
    counts = count_tiers(filters)
    tiers = list(Tier.objects.order_by("threshold"))
    cities = city_names()
    table = Table(
        key="tiers",
        title=_("Households per tier"),
        headers=[_("City"), *[tier.name for tier in tiers], _("All tiers")],
        chart_type="bar",
    )
    for city_id in sorted(
        {city for city, _tier in counts}, key=lambda pk: cities.get(pk, "")
    ):
        city_filters = filters.for_city(city_id)
        row: list[object] = [unknown(cities.get(city_id))]
        for tier in tiers:
            total = counts.get((city_id, tier.pk), 0)
            row.append(Link(total, households_url(city_filters, tier=tier.pk)))
        total = sum(count for (city, _tier), count in counts.items() if city == city_id)
        row.append(Link(total, households_url(city_filters)))
        table.rows.append(row)

    totals = [
        sum(count for (_city, tier_id), count in counts.items() if tier_id == tier.pk)
        for tier in tiers
    ]
    table.chart = chart([tier.name for tier in tiers], {_("Households"): totals})
    return table


def count_tier_changes(
    filters: ReportFilters,
) -> dict[tuple[date, int | None, int], int]:
    start, end = month_span(filters.first_month)[0], month_span(filters.last_month)[1]
    rows = (
        TierChange.objects.filter(created__gte=start, created__lt=end)
        .filter(member_condition(filters, "member__"))
        .annotate(month=TruncMonth("created", output_field=DateField()))
        .values_list("month", "from_tier_id", "to_tier_id")
        .annotate(total=Count("pk"))
        .order_by()
    )
    return {
        (month, from_tier, to_tier): total for month, from_tier, to_tier, total in rows
    }


def tier_changes_table(filters: ReportFilters) -> Table:
    """Tier changes per month into each tier, split into upgrades and downgrades.

    A change with no earlier tier is a household's first tier (a new
    household or a migrated one) and counts as neither.
    """
    changes = count_tier_changes(filters)
    tiers = {tier.pk: tier for tier in Tier.objects.all()}
    table = Table(
        key="tier-changes",
        title=_("Tier changes per month"),
        headers=[
            _("Month"),
            _("To tier"),
            _("Upgrades"),
            _("Downgrades"),
            _("First tier"),
        ],
    )
    by_target: dict[tuple[date, int], list[int]] = {}
    for (month, from_id, to_id), total in changes.items():
        counts = by_target.setdefault((month, to_id), [0, 0, 0])
        if from_id is None:
            counts[2] += total
        elif tiers[from_id].threshold < tiers[to_id].threshold:
            counts[0] += total
        else:
            counts[1] += total
    for (month, to_id), (up, down, first) in sorted(by_target.items()):
        url = tier_changes_url(month, to_id)
        table.rows.append(
            [
                month_label(month),
                tiers[to_id].name,
                Link(up, url),
                Link(down, url),
                first,
            ]
        )

    labels = [month_label(month) for month in filters.months]
    upgrades = [0] * len(labels)
    downgrades = [0] * len(labels)
    for (month, _to), (up, down, _first) in by_target.items():
        upgrades[filters.months.index(month)] += up
        downgrades[filters.months.index(month)] -= down
    table.chart = chart(
        labels, {_("Upgrades"): upgrades, _("Downgrades"): downgrades}, stacked=True
    )
    return table
