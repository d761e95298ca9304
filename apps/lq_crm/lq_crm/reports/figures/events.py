"""Event registrations, attendance and no-shows per event and household city."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from lq_crm.doctype.event.models import Registration
from lq_crm.reports.figures.common import city_names, member_condition, unknown
from lq_crm.reports.filters import ReportFilters
from lq_crm.reports.links import registrations_url
from lq_crm.reports.periods import month_span
from lq_crm.reports.tables import Link, Table, chart

Status = Registration.Status
COUNTED = (
    Status.CONFIRMED,
    Status.WAITLISTED,
    Status.ATTENDED,
    Status.NO_SHOW,
    Status.CANCELLED,
)


def count_registrations(filters: ReportFilters) -> list[dict[str, Any]]:
    """Count registrations of events starting in the period, per event and city.

    Cities are the registered households' cities, so a province-wide event
    shows one row per city that registered for it.
    """
    start, end = month_span(filters.first_month)[0], month_span(filters.last_month)[1]
    counts = {
        status.value: Count("pk", filter=Q(status=status.value)) for status in Status
    }
    rows = (
        Registration.objects.filter(
            event__starts_at__gte=start, event__starts_at__lt=end
        )
        .filter(member_condition(filters, "member__"))
        .values("event_id", "event__title", "event__starts_at", "member__city_id")
        .annotate(total=Count("pk"), seats=Sum("seats"), **counts)
        .order_by("event__starts_at", "event_id", "member__city_id")
    )
    return [dict(row) for row in rows]


def events_table(filters: ReportFilters) -> Table:
    rows = count_registrations(filters)
    cities = city_names()
    statuses = [Status.REGISTERED, *COUNTED]
    table = Table(
        key="events",
        title=_("Event registrations, attendance and no-shows"),
        headers=[
            _("Event"),
            _("Starts"),
            _("City"),
            _("Registrations"),
            _("Seats"),
            *[str(status.label) for status in statuses],
            _("Attendance (%)"),
        ],
        note=_("Attendance is attended among attended and no-shows."),
    )
    for row in rows:
        event_id = int(row["event_id"])
        city_id = row["member__city_id"]
        cells: list[object] = [
            row["event__title"],
            row["event__starts_at"],
            unknown(cities.get(city_id)),
            Link(row["total"], registrations_url(event_id, city_id)),
            row["seats"] or 0,
        ]
        for status in statuses:
            url = registrations_url(event_id, city_id, status.value)
            cells.append(Link(row[status.value], url))
        attended, no_show = int(row[Status.ATTENDED]), int(row[Status.NO_SHOW])
        judged = attended + no_show
        cells.append(round(100 * attended / judged, 1) if judged else None)
        table.rows.append(cells)

    events: dict[int, list[int]] = {}
    titles: dict[int, str] = {}
    for row in rows:
        event_id = int(row["event_id"])
        titles[event_id] = str(row["event__title"])
        totals = events.setdefault(event_id, [0, 0, 0])
        totals[0] += int(row[Status.CONFIRMED])
        totals[1] += int(row[Status.ATTENDED])
        totals[2] += int(row[Status.NO_SHOW])
    table.chart = chart(
        [titles[pk] for pk in events],
        {
            str(Status.CONFIRMED.label): [values[0] for values in events.values()],
            str(Status.ATTENDED.label): [values[1] for values in events.values()],
            str(Status.NO_SHOW.label): [values[2] for values in events.values()],
        },
    )
    return table
