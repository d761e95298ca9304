"""Spend and slips per month, by product category and city."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Count, DateField, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from lq_crm.doctype.slip.models import PurchaseSlip, PurchaseSlipLine
from lq_crm.reports.figures.common import (
    aggregate_rows,
    category_names,
    city_names,
    unknown,
)
from lq_crm.reports.filters import ReportFilters
from lq_crm.reports.links import slips_url
from lq_crm.reports.models import SalesMonth, SlipMonth
from lq_crm.reports.periods import month_span
from lq_crm.reports.tables import Link, Table, chart, month_label

ZERO = Decimal("0.00")


def submitted_lines(filters: ReportFilters) -> QuerySet[PurchaseSlipLine]:
    """Select the submitted slip lines in the period, for the tier path."""
    start, end = month_span(filters.first_month)[0], month_span(filters.last_month)[1]
    lines = PurchaseSlipLine.objects.filter(
        slip__status=PurchaseSlip.Status.SUBMITTED,
        slip__purchased_at__gte=start,
        slip__purchased_at__lt=end,
    )
    if filters.tier_id:
        lines = lines.filter(slip__member__tier_id=filters.tier_id)
    if filters.city_ids is not None:
        lines = lines.filter(slip__store__city_id__in=filters.city_ids)
    if filters.store_id:
        lines = lines.filter(slip__store_id=filters.store_id)
    if filters.activity:
        lines = lines.filter(slip__member__signup_activity=filters.activity)
    return lines.order_by()


def sum_sales(
    filters: ReportFilters,
) -> dict[tuple[date, int, int], tuple[int, int, Decimal]]:
    """Sum slips, lines and spend by month, city of the store and category.

    With a tier filter the lines of households now in that tier are summed
    from the slip tables, because the aggregates have no tier.
    """
    if filters.tier_id:
        rows = (
            submitted_lines(filters)
            .annotate(month=TruncMonth("slip__purchased_at", output_field=DateField()))
            .values_list("month", "slip__store__city_id", "category_id")
            .annotate(
                slips=Count("slip_id", distinct=True),
                lines=Count("pk"),
                spend=Sum("amount"),
            )
        )
    else:
        rows = (
            aggregate_rows(SalesMonth.objects.all(), filters)
            .values_list("month", "city_id", "category_id")
            .annotate(slips=Sum("slips"), lines=Sum("slip_lines"), spend=Sum("spend"))
        )
    return {
        (month, city, category): (slips, lines, spend or ZERO)
        for month, city, category, slips, lines, spend in rows
        if slips or lines
    }


def sum_slips(filters: ReportFilters) -> dict[tuple[date, int], tuple[int, Decimal]]:
    """Sum slips and spend by month and city of the store, each slip counted once."""
    if filters.tier_id:
        start, end = (
            month_span(filters.first_month)[0],
            month_span(filters.last_month)[1],
        )
        slips = PurchaseSlip.objects.filter(
            status=PurchaseSlip.Status.SUBMITTED,
            purchased_at__gte=start,
            purchased_at__lt=end,
            member__tier_id=filters.tier_id,
        )
        if filters.city_ids is not None:
            slips = slips.filter(store__city_id__in=filters.city_ids)
        if filters.store_id:
            slips = slips.filter(store_id=filters.store_id)
        if filters.activity:
            slips = slips.filter(member__signup_activity=filters.activity)
        rows = (
            slips.order_by()
            .annotate(month=TruncMonth("purchased_at", output_field=DateField()))
            .values_list("month", "store__city_id")
            .annotate(count=Count("pk"), spend=Sum("total"))
        )
    else:
        rows = (
            aggregate_rows(SlipMonth.objects.all(), filters)
            .values_list("month", "city_id")
            .annotate(count=Sum("slips"), spend=Sum("spend"))
        )
    return {
        (month, city): (count, spend or ZERO)
        for month, city, count, spend in rows
        if count
    }


def sales_table(filters: ReportFilters) -> Table:
    """Spend per month and city, one column pair (slips, spend) per category."""
    sales = sum_sales(filters)
    cities = city_names()
    categories = category_names()
    headers = [_("Month"), _("City")]
    for name in categories.values():
        headers += [
            _("%(category)s slips") % {"category": name},
            _("%(category)s spend (yuan)") % {"category": name},
        ]
    table = Table(
        key="sales",
        title=_("Spend per month by product category and city"),
        headers=headers,
        note=_("A slip with lines of two categories counts once in each."),
    )
    keys = sorted({(month, city_id) for month, city_id, _category in sales})
    for month, city_id in keys:
        row: list[object] = [month_label(month), unknown(cities.get(city_id))]
        month_filters = filters.for_city(city_id).for_month(month)
        for category_id in categories:
            slips, _lines, spend = sales.get(
                (month, city_id, category_id), (0, 0, ZERO)
            )
            row += [Link(slips, slips_url(month_filters, category=category_id)), spend]
        table.rows.append(row)

    table.chart = category_chart(filters, sales, categories)
    return table


def category_chart(
    filters: ReportFilters,
    sales: dict[tuple[date, int, int], tuple[int, int, Decimal]],
    categories: dict[int, str],
) -> dict[str, object]:
    labels = [month_label(month) for month in filters.months]
    series: dict[str, list[Decimal]] = {
        name: [ZERO] * len(labels) for name in categories.values()
    }
    for (month, _city, category_id), (_slips, _lines, spend) in sales.items():
        name = unknown(categories.get(category_id))
        values = series.setdefault(name, [ZERO] * len(labels))
        values[filters.months.index(month)] += spend
    return chart(labels, series, stacked=True)


def category_totals_table(filters: ReportFilters) -> Table:
    """Spend per month, one column per category: the dashboard's short table."""
    sales = sum_sales(filters)
    categories = category_names()
    table = Table(
        key="category-totals",
        title=_("Spend per month by product category"),
        headers=[
            _("Month"),
            *[
                _("%(category)s spend (yuan)") % {"category": name}
                for name in categories.values()
            ],
        ],
    )
    for month in filters.months:
        row: list[object] = [month_label(month)]
        for category_id in categories:
            spend = sum(
                (
                    values[2]
                    for (m, _c, k), values in sales.items()
                    if m == month and k == category_id
                ),
                ZERO,
            )
            url = slips_url(filters.for_month(month), category=category_id)
            row.append(Link(spend, url))
        table.rows.append(row)
    table.chart = category_chart(filters, sales, categories)
    return table


def slips_table(filters: ReportFilters) -> Table:
    totals = sum_slips(filters)
    cities = city_names()
    table = Table(
        key="slips",
        title=_("Slips and spend per month by city"),
        headers=[_("Month"), _("City"), _("Slips"), _("Spend (yuan)")],
    )
    for (month, city_id), (count, spend) in sorted(totals.items()):
        url = slips_url(filters.for_city(city_id).for_month(month))
        table.rows.append(
            [month_label(month), unknown(cities.get(city_id)), Link(count, url), spend]
        )

    labels = [month_label(month) for month in filters.months]
    series: dict[str, list[Decimal]] = {}
    for (month, city_id), (_count, spend) in totals.items():
        name = unknown(cities.get(city_id))
        series.setdefault(name, [ZERO] * len(labels))[filters.months.index(month)] += (
            spend
        )
    table.chart = chart(labels, series, stacked=True)
    return table


def city_totals_table(filters: ReportFilters) -> Table:
    """Slips and spend per city over the period: the dashboard's short table."""
    totals = sum_slips(filters)
    cities = city_names()
    table = Table(
        key="city-totals",
        title=_("Slips and spend by city"),
        headers=[_("City"), _("Slips"), _("Spend (yuan)")],
    )
    slip_counts: dict[int, int] = {}
    spends: dict[int, Decimal] = {}
    for (_month, city_id), (count, spend) in totals.items():
        slip_counts[city_id] = slip_counts.get(city_id, 0) + count
        spends[city_id] = spends.get(city_id, ZERO) + spend
    for city_id in sorted(spends, key=lambda pk: -spends[pk]):
        url = slips_url(filters.for_city(city_id))
        table.rows.append(
            [
                unknown(cities.get(city_id)),
                Link(slip_counts[city_id], url),
                spends[city_id],
            ]
        )

    labels = [month_label(month) for month in filters.months]
    series: dict[str, list[Decimal]] = {}
    for (month, city_id), (_count, spend) in totals.items():
        name = unknown(cities.get(city_id))
        values = series.setdefault(name, [ZERO] * len(labels))
        values[filters.months.index(month)] += spend
    table.chart = chart(labels, series, stacked=True)
    return table
