"""The report pages of the desk and the figures each one shows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from lq_crm.reports.figures.activities import activities_table
from lq_crm.reports.figures.cross import cross_purchase_table
from lq_crm.reports.figures.events import events_table
from lq_crm.reports.figures.sales import sales_table, slips_table
from lq_crm.reports.figures.segments import segments_table
from lq_crm.reports.figures.signups import cards_table, households_table
from lq_crm.reports.figures.tiers import tier_changes_table, tier_distribution_table
from lq_crm.reports.filters import ReportFilters
from lq_crm.reports.lists import SegmentRulesForm
from lq_crm.reports.tables import Table

Builder = Callable[[ReportFilters, HttpRequest], list[Table]]


@dataclass(frozen=True)
class Page:
    """A report page: its URL name, title, sidebar icon and figures."""

    name: str
    title: Promise
    icon: str
    build: Builder


def build_segments(filters: ReportFilters, request: HttpRequest) -> list[Table]:
    form = segment_rules_form(request)
    return [segments_table(filters, form.rules(), form.params())]


def segment_rules_form(request: HttpRequest) -> SegmentRulesForm:
    names = set(SegmentRulesForm.base_fields)
    bound = any(request.GET.get(name) for name in names)
    return SegmentRulesForm(request.GET if bound else None)


def figures(*builders: Callable[[ReportFilters], Table]) -> Builder:
    def build(filters: ReportFilters, request: Any) -> list[Table]:
        return [builder(filters) for builder in builders]

    return build


PAGES = [
    Page(
        "signups",
        _("Households and cards"),
        "group_add",
        figures(households_table, cards_table),
    ),
    Page("sales", _("Spend and slips"), "payments", figures(slips_table, sales_table)),
    Page(
        "tiers",
        _("Tiers"),
        "workspace_premium",
        figures(tier_distribution_table, tier_changes_table),
    ),
    Page("cross", _("Cross purchases"), "join_inner", figures(cross_purchase_table)),
    Page("segments", _("Segments and drifting away"), "donut_small", build_segments),
    Page("events", _("Event attendance"), "event_available", figures(events_table)),
    Page(
        "activities", _("Activity effectiveness"), "campaign", figures(activities_table)
    ),
]
PAGES_BY_NAME = {page.name: page for page in PAGES}
