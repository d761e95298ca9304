"""Addresses of the lists behind each figure, with the figure's filters."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.urls import reverse
from django.utils.http import urlencode

from lq_crm.reports.filters import MONTH_FORMAT, ReportFilters
from lq_crm.reports.periods import last_day


def filter_params(filters: ReportFilters) -> dict[str, Any]:
    """Return the query parameters that reproduce ``filters`` on a report page."""
    params: dict[str, Any] = {
        "first_month": f"{filters.first_month:{MONTH_FORMAT}}",
        "last_month": f"{filters.last_month:{MONTH_FORMAT}}",
    }
    if filters.city_ids is not None and len(filters.city_ids) == 1:
        params["city"] = next(iter(filters.city_ids))
    if filters.tier_id:
        params["tier"] = filters.tier_id
    if filters.activity:
        params["activity"] = filters.activity
    if filters.store_id:
        params["store"] = filters.store_id
    return params


def households_url(filters: ReportFilters, **extra: Any) -> str:
    """Link to the report's household list; ``extra`` narrows it further."""
    params = {**filter_params(filters), **{k: v for k, v in extra.items() if v != ""}}
    return f"{reverse('reports:households')}?{urlencode(params)}"


def slips_url(filters: ReportFilters, **extra: Any) -> str:
    params = {**filter_params(filters), **{k: v for k, v in extra.items() if v != ""}}
    return f"{reverse('reports:slips')}?{urlencode(params)}"


def registrations_url(event_id: int, city_id: int | None, status: str = "") -> str:
    """Link to the desk's registration list of one event, city and status."""
    params: dict[str, Any] = {"event__id__exact": event_id}
    if city_id:
        params["member__city__id__exact"] = city_id
    if status:
        params["status__exact"] = status
    return f"{reverse('admin:event_registration_changelist')}?{urlencode(params)}"


def tier_changes_url(month: date, to_tier_id: int) -> str:
    """Link to the desk's tier change list of one month and target tier."""
    params: dict[str, Any] = {
        "to_tier__id__exact": to_tier_id,
        "created__gte": f"{month:%Y-%m-%d}",
        "created__lte": f"{last_day(month):%Y-%m-%d} 23:59:59",
    }
    return f"{reverse('admin:tier_tierchange_changelist')}?{urlencode(params)}"
