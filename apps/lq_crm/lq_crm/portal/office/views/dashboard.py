"""The city's dashboard: this month against last month, tiers, coming events."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from lq_crm.doctype.event.models import Event
from lq_crm.portal.office.services import upcoming_events
from lq_crm.portal.office.views.base import OfficePage
from lq_crm.reports.dashboards import city_dashboard

StrOrPromise = str | Promise


def change_percent(current: Decimal | int, previous: Decimal | int) -> int | None:
    """Return the change from ``previous`` to ``current`` in whole percent.

    None when the previous month is zero, where a percentage means nothing.
    """
    if not previous:
        return None

    return round((Decimal(current) - Decimal(previous)) * 100 / Decimal(previous))


def comparison(
    label: StrOrPromise,
    current: Decimal | int,
    previous: Decimal | int,
    money: bool = False,
) -> dict[str, Any]:
    return {
        "label": label,
        "current": current,
        "previous": previous,
        "change": change_percent(current, previous),
        "money": money,
    }


class DashboardView(OfficePage):
    template_name = "office_portal/dashboard.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        figures = city_dashboard(self.city, timezone.localdate())
        context["figures"] = figures
        context["comparisons"] = [
            comparison(
                _("New households"),
                figures.new_households,
                figures.new_households_last_month,
            ),
            comparison(_("Slips"), figures.slips, figures.slips_last_month),
            comparison(_("Spend"), figures.spend, figures.spend_last_month, money=True),
        ]
        events = self.rows(Event.objects.all())
        context["events"] = upcoming_events(events, self.city, timezone.now())
        return context
