"""Cross purchases: which product lines households bought together in a period."""

from __future__ import annotations

from django.db import connection
from django.db.models import Case, IntegerField, QuerySet, Sum, Value, When
from django.utils.translation import gettext as _

from lq_crm.reports.figures.common import (
    category_names,
    filtered_members,
    has_member_filter,
    in_period,
)
from lq_crm.reports.filters import ReportFilters
from lq_crm.reports.links import households_url
from lq_crm.reports.models import HouseholdCategoryMonth
from lq_crm.reports.tables import Link, Table, chart


def category_bits(categories: list[int]) -> Case:
    """Give each category one bit, so a household's categories sum to a set."""
    return Case(
        *[
            When(category_id=pk, then=Value(1 << index))
            for index, pk in enumerate(categories)
        ],
        default=Value(0),
        output_field=IntegerField(),
    )


def household_category_sets(filters: ReportFilters) -> tuple[list[int], QuerySet]:
    """Select each buying household's category set in the period, as a bit mask.

    A household's rows of one category are summed into a flag first, so the
    mask adds each category's bit once.
    """
    categories = list(category_names())
    rows = in_period(HouseholdCategoryMonth.objects.all(), filters).filter(
        slip_lines__gt=0
    )
    if has_member_filter(filters):
        rows = rows.filter(member_id__in=filtered_members(filters).values("pk"))
    per_category = (
        rows.values("member_id", "category_id")
        .annotate(lines=Sum("slip_lines"))
        .filter(lines__gt=0)
        .annotate(bit=category_bits(categories))
        .values("member_id", "bit")
        .order_by()
    )
    return categories, per_category


def count_combinations(filters: ReportFilters) -> dict[frozenset[int], int]:
    """Count buying households by the exact set of categories they bought."""
    categories, per_category = household_category_sets(filters)
    inner, params = per_category.query.sql_with_params()
    sql = (
        "SELECT mask, COUNT(*) FROM"
        " (SELECT member_id, SUM(bit) AS mask"
        f" FROM ({inner}) per_category GROUP BY member_id) per_household"
        " GROUP BY mask"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()

    counts: dict[frozenset[int], int] = {}
    for mask, total in rows:
        combination = frozenset(
            pk for index, pk in enumerate(categories) if int(mask) & (1 << index)
        )
        counts[combination] = counts.get(combination, 0) + int(total)
    return counts


def combination_label(combination: frozenset[int], names: dict[int, str]) -> str:
    return " + ".join(names[pk] for pk in names if pk in combination)


def cross_purchase_table(filters: ReportFilters) -> Table:
    counts = count_combinations(filters)
    names = category_names()
    buyers = sum(counts.values())
    table = Table(
        key="cross",
        title=_("Product lines bought together"),
        headers=[_("Categories bought"), _("Households"), _("Share of buyers (%)")],
        note=_("Households with at least one submitted slip in the period."),
    )
    ordered = sorted(counts.items(), key=lambda item: (-len(item[0]), -item[1]))
    for combination, total in ordered:
        combo = "-".join(str(pk) for pk in sorted(combination))
        share = round(100 * total / buyers, 1) if buyers else 0
        table.rows.append(
            [
                combination_label(combination, names),
                Link(total, households_url(filters, categories=combo)),
                share,
            ]
        )
    table.chart = chart(
        [combination_label(c, names) for c, _t in ordered],
        {_("Households"): [total for _c, total in ordered]},
    )
    return table
