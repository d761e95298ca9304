"""The dashboard's headline figures, read from the report aggregates."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet, Sum

from lq_crm.doctype.region.models import Region
from lq_crm.doctype.tier.models import Tier
from lq_crm.reports.models import HouseholdCount, SignupMonth, SlipMonth
from lq_crm.reports.periods import month_start, previous_month


@dataclass
class CityDashboard:
    """Figures of the month of ``today`` and the month before, for some cities.

    The current month runs from its first day up to and including ``today``.
    Slips are submitted slips at the cities' stores and spend is their total
    in yuan; households and tiers are those of households living there.
    ``city`` is None on the head office dashboard of several cities.
    """

    city: Region | None
    month: date
    households: int = 0
    new_households: int = 0
    new_households_last_month: int = 0
    slips: int = 0
    slips_last_month: int = 0
    spend: Decimal = Decimal("0.00")
    spend_last_month: Decimal = Decimal("0.00")
    tier_counts: list[tuple[str, int]] = field(default_factory=list)


def city_dashboard(city: Region, today: date) -> CityDashboard:
    """Compute the city's dashboard for the month of ``today``."""
    dashboard = dashboard_for(frozenset({city.pk}), today)
    dashboard.city = city
    return dashboard


def dashboard_for(city_ids: frozenset[int] | None, today: date) -> CityDashboard:
    """Compute the dashboard of several cities, or of all when ``city_ids`` is None."""
    this_month = month_start(today)
    last_month = previous_month(this_month)
    dashboard = CityDashboard(city=None, month=this_month)

    dashboard.new_households = count_new_households(city_ids, this_month)
    dashboard.new_households_last_month = count_new_households(city_ids, last_month)
    dashboard.slips, dashboard.spend = sum_slips(city_ids, this_month)
    dashboard.slips_last_month, dashboard.spend_last_month = sum_slips(
        city_ids, last_month
    )
    dashboard.tier_counts = count_tiers(city_ids)
    dashboard.households = sum(count for _name, count in dashboard.tier_counts)
    return dashboard


def in_cities(queryset: QuerySet, city_ids: frozenset[int] | None) -> QuerySet:
    return queryset if city_ids is None else queryset.filter(city_id__in=city_ids)


def count_new_households(city_ids: frozenset[int] | None, month: date) -> int:
    rows = in_cities(SignupMonth.objects.filter(month=month), city_ids)
    return rows.aggregate(total=Sum("households"))["total"] or 0


def sum_slips(city_ids: frozenset[int] | None, month: date) -> tuple[int, Decimal]:
    rows = in_cities(SlipMonth.objects.filter(month=month), city_ids)
    totals = rows.aggregate(slips=Sum("slips"), spend=Sum("spend"))
    return totals["slips"] or 0, totals["spend"] or Decimal("0.00")


def count_tiers(city_ids: frozenset[int] | None) -> list[tuple[str, int]]:
    """Count households per tier, lowest tier first, every tier listed."""
    rows = in_cities(HouseholdCount.objects.order_by(), city_ids)
    counts = dict(rows.values_list("tier_id").annotate(count=Sum("households")))
    return [
        (tier.name, counts.get(tier.pk, 0))
        for tier in Tier.objects.order_by("threshold")
    ]
