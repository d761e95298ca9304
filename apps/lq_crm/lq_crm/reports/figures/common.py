"""Filters applied to aggregate tables and to members, shared by the figures."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from lq_crm.doctype.member.models import Member
from lq_crm.doctype.product.models import ProductCategory
from lq_crm.doctype.region.models import Region
from lq_crm.reports.filters import ReportFilters


def in_period(queryset: QuerySet, filters: ReportFilters) -> QuerySet:
    return queryset.filter(
        month__gte=filters.first_month, month__lte=filters.last_month
    )


def aggregate_rows(queryset: QuerySet, filters: ReportFilters) -> QuerySet:
    """Filter an aggregate table with city, store and activity columns."""
    queryset = in_period(queryset, filters)
    if filters.city_ids is not None:
        queryset = queryset.filter(city_id__in=filters.city_ids)
    if filters.store_id:
        queryset = queryset.filter(store_id=filters.store_id)
    if filters.activity:
        queryset = queryset.filter(activity=filters.activity)
    return queryset


def member_condition(filters: ReportFilters, prefix: str = "") -> Q:
    """Return the condition on households: city, tier, activity and sign-up store."""
    condition = Q()
    if filters.city_ids is not None:
        condition &= Q(**{f"{prefix}city_id__in": filters.city_ids})
    if filters.tier_id:
        condition &= Q(**{f"{prefix}tier_id": filters.tier_id})
    if filters.activity:
        condition &= Q(**{f"{prefix}signup_activity": filters.activity})
    if filters.store_id:
        condition &= Q(**{f"{prefix}signup_store_id": filters.store_id})
    return condition


def filtered_members(filters: ReportFilters) -> QuerySet[Member]:
    """Select the households that the filters match, leaving out merged ones."""
    return Member.objects.unmerged().filter(member_condition(filters)).order_by()


def has_member_filter(filters: ReportFilters) -> bool:
    return bool(
        filters.city_ids is not None
        or filters.tier_id
        or filters.activity
        or filters.store_id
    )


def city_names() -> dict[int, str]:
    return dict(Region.objects.cities().values_list("pk", "name"))


def category_names() -> dict[int, str]:
    return dict(
        ProductCategory.objects.order_by("position", "pk").values_list("pk", "name")
    )


def activity_names() -> dict[str, str]:
    return {value: str(label) for value, label in Member.SignupActivity.choices}


def unknown(name: str | None) -> str:
    return name if name is not None else _("(deleted)")
