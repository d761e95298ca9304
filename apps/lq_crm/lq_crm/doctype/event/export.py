"""Write an event's roster as an Excel workbook for the bus leaders and the desk."""

from __future__ import annotations

import io

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from lq_crm.core.masking import may_view_personal_data
from lq_crm.core.phones import mask_phone
from lq_crm.doctype.event.models import Registration
from lq_crm.exports.services import record_export

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def roster_headers() -> list[str]:
    return [
        _("Registration"),
        _("Event"),
        _("Departure"),
        _("Household number"),
        _("Household"),
        _("City"),
        _("Phone"),
        _("Card number"),
        _("Persons"),
        _("Seats"),
        _("Status"),
        _("Waiting list position"),
        _("Fee due (yuan)"),
        _("Tier at registration"),
        _("Fee share, percent"),
        _("Checked in at"),
    ]


def roster_row(registration: Registration, show_phone: bool = False) -> list[object]:
    member = registration.member
    checked_in = registration.checked_in_at
    return [
        registration.number,
        registration.event.title,
        registration.departure.name if registration.departure else "",
        member.number,
        member.name,
        member.city.name,
        member.phone if show_phone else mask_phone(member.phone),
        registration.card.card_number,
        "、".join(person.name for person in registration.persons.all()),
        registration.seats,
        registration.get_status_display(),
        registration.waitlist_position or "",
        registration.fee_due,
        registration.fee_tier.name if registration.fee_tier else "",
        registration.fee_percent if registration.fee_percent is not None else "",
        timezone.localtime(checked_in).strftime("%Y-%m-%d %H:%M") if checked_in else "",
    ]


def roster_response(
    registrations: QuerySet[Registration],
    request: HttpRequest,
    filename: str = "roster.xlsx",
) -> HttpResponse:
    """Return the registrations as an .xlsx download, by departure and position.

    The caller passes a queryset already limited to the user's cities.
    Phones are masked unless the user may view personal data.
    """
    show_phone = may_view_personal_data(request.user)
    rows = (
        registrations.select_related(
            "event", "departure", "member__city", "card", "fee_tier"
        )
        .prefetch_related("persons")
        .order_by("event_id", "departure_id", "status", "waitlist_position", "pk")
    )
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Roster")
    sheet.append(roster_headers())
    count = 0
    for registration in rows:
        sheet.append(roster_row(registration, show_phone))
        count += 1

    buffer = io.BytesIO()
    workbook.save(buffer)
    record_export(request, Registration._meta.label_lower, count)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
