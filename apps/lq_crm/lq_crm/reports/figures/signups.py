"""Households signed up and cards issued per month."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, DateField, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from lq_crm.doctype.card.models import Card
from lq_crm.reports.figures.common import (
    activity_names,
    aggregate_rows,
    city_names,
    filtered_members,
    member_condition,
    unknown,
)
from lq_crm.reports.filters import ReportFilters
from lq_crm.reports.links import households_url
from lq_crm.reports.models import SignupMonth
from lq_crm.reports.periods import last_day, month_span
from lq_crm.reports.tables import Link, Table, chart, month_label

Key = tuple[date, int, str]


def count_signups(filters: ReportFilters) -> dict[Key, int]:
    """Count households by join month, city and sign-up activity.

    The sign-up aggregate has no tier, because tiers change; with a tier
    filter the households now in that tier are counted on the member table.
    """
    if filters.tier_id:
        rows = (
            filtered_members(filters)
            .filter(joined_on__gte=filters.first_month)
            .filter(joined_on__lte=last_day(filters.last_month))
            .annotate(month=TruncMonth("joined_on"))
            .values_list("month", "city_id", "signup_activity")
            .annotate(total=Count("pk"))
        )
    else:
        rows = (
            aggregate_rows(SignupMonth.objects.all(), filters)
            .values_list("month", "city_id", "activity")
            .annotate(total=Sum("households"))
        )
    return {
        (month, city, activity): total for month, city, activity, total in rows if total
    }


def count_cards(filters: ReportFilters) -> dict[tuple[date, int], int]:
    """Count cards issued per month and household city, from the card table.

    NOTE: the card table has no index on ``issued_at``, so this scans every
    card. The bench timing of the households page includes that scan.
    """
    start = month_span(filters.first_month)[0]
    end = month_span(filters.last_month)[1]
    rows = (
        Card.objects.filter(issued_at__gte=start, issued_at__lt=end)
        .filter(member_condition(filters, "member__"))
        .annotate(month=TruncMonth("issued_at", output_field=DateField()))
        .values_list("month", "member__city_id")
        .annotate(total=Count("pk"))
        .order_by()
    )
    return {(month, city_id): total for month, city_id, total in rows}


def households_table(filters: ReportFilters) -> Table:
    """Households signed up per month and city, one column per sign-up activity."""
    signups = count_signups(filters)
    cities = city_names()
    activities = activity_names()
    table = Table(
        key="households",
        title=_("Households signed up per month"),
        headers=[_("Month"), _("City"), *activities.values(), _("All activities")],
    )
    keys = sorted({(month, city_id) for month, city_id, _activity in signups})
    for month, city_id in keys:
        city_filters = filters.for_city(city_id)
        label = month_label(month)
        row: list[object] = [label, unknown(cities.get(city_id))]
        for activity in activities:
            total = signups.get((month, city_id, activity), 0)
            url = households_url(city_filters, joined_month=label, activity=activity)
            row.append(Link(total, url))
        total = sum(
            signups.get((month, city_id, activity), 0) for activity in activities
        )
        row.append(Link(total, households_url(city_filters, joined_month=label)))
        table.rows.append(row)

    table.chart = activity_chart(filters, signups, activities)
    return table


def activity_chart(
    filters: ReportFilters, signups: dict[Key, int], activities: dict[str, str]
) -> dict[str, object]:
    labels = [month_label(month) for month in filters.months]
    series: dict[str, list[int]] = {}
    for (month, _city, activity), total in signups.items():
        values = series.setdefault(
            activities.get(activity, activity), [0] * len(labels)
        )
        values[filters.months.index(month)] += total
    return chart(labels, series, stacked=True)


def signup_totals_table(filters: ReportFilters) -> Table:
    """Households signed up per month, one column per activity: the dashboard's."""
    signups = count_signups(filters)
    activities = activity_names()
    table = Table(
        key="signup-totals",
        title=_("Households signed up per month"),
        headers=[_("Month"), *activities.values(), _("All activities")],
    )
    for month in filters.months:
        label = month_label(month)
        row: list[object] = [label]
        for activity in activities:
            total = sum(
                count
                for (m, _c, a), count in signups.items()
                if m == month and a == activity
            )
            row.append(
                Link(
                    total,
                    households_url(filters, joined_month=label, activity=activity),
                )
            )
        total = sum(count for (m, _c, _a), count in signups.items() if m == month)
        row.append(Link(total, households_url(filters, joined_month=label)))
        table.rows.append(row)
    table.chart = activity_chart(filters, signups, activities)
    return table


def cards_table(filters: ReportFilters) -> Table:
    cards = count_cards(filters)
    cities = city_names()
    table = Table(
        key="cards",
        title=_("Cards issued per month"),
        headers=[_("Month"), _("City"), _("Cards issued")],
    )
    for (month, city_id), total in sorted(cards.items()):
        url = households_url(filters.for_city(city_id), card_month=month_label(month))
        table.rows.append(
            [month_label(month), unknown(cities.get(city_id)), Link(total, url)]
        )

    labels = [month_label(month) for month in filters.months]
    values = [0] * len(labels)
    for (month, _city), total in cards.items():
        if month in filters.months:
            values[filters.months.index(month)] += total
    table.chart = chart(labels, {_("Cards issued"): values})
    return table
