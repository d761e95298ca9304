"""A household's personal data as one JSON document or one XLSX workbook.

The export contains the household record with its custom fields, its persons,
cards, slips with their lines, points ledger, event registrations, tier
changes and the consent choices made in the portal. Choice fields are
written as their labels in the request's language.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO
from typing import Any

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook

from lq_crm.customize.export import cell_value
from lq_crm.doctype.card.models import Card
from lq_crm.doctype.event.models import Registration
from lq_crm.doctype.member.models import Member
from lq_crm.doctype.points.models import PointsLedgerEntry
from lq_crm.doctype.slip.models import PurchaseSlip, PurchaseSlipLine
from lq_crm.doctype.tier.models import TierChange

Label = str | Promise


@dataclass(frozen=True)
class Section:
    """One kind of record: its key, title, columns and rows."""

    key: str
    title: Label
    columns: list[tuple[str, Label]]
    rows: list[dict[str, Any]]


def member_section(member: Member) -> Section:
    columns: list[tuple[str, Label]] = [
        ("number", _("number")),
        ("name", _("name")),
        ("gender", _("gender")),
        ("phone", _("phone")),
        ("email", _("email")),
        ("address", _("address")),
        ("city", _("city")),
        ("district", _("district")),
        ("occupation", _("occupation")),
        ("birth_year", _("birth year")),
        ("signup_activity", _("sign-up activity")),
        ("signup_store", _("sign-up store")),
        ("signup_venue", _("sign-up venue")),
        ("joined_on", _("joined on")),
        ("consent_given_at", _("consent given at")),
        ("consent_method", _("consent method")),
        ("consent_marketing", _("consents to marketing messages")),
        ("tier", _("tier")),
        ("qualifying_spend", _("qualifying spend")),
    ]
    row = {
        "number": member.number,
        "name": member.name,
        "gender": member.get_gender_display(),
        "phone": member.phone,
        "email": member.email,
        "address": member.address,
        "city": str(member.city),
        "district": str(member.district) if member.district else "",
        "occupation": member.occupation,
        "birth_year": member.birth_year,
        "signup_activity": member.get_signup_activity_display(),
        "signup_store": str(member.signup_store) if member.signup_store else "",
        "signup_venue": member.signup_venue,
        "joined_on": member.joined_on,
        "consent_given_at": member.consent_given_at,
        "consent_method": member.get_consent_method_display(),
        "consent_marketing": member.consent_marketing,
        "tier": member.tier.name if member.tier else "",
        "qualifying_spend": member.qualifying_spend,
    }
    for key, value in sorted((member.custom or {}).items()):
        columns.append((f"custom_{key}", key))
        row[f"custom_{key}"] = value
    return Section("member", _("Household"), columns, [row])


def persons_section(member: Member) -> Section:
    columns: list[tuple[str, Label]] = [
        ("name", _("name")),
        ("relation", _("relation")),
        ("gender", _("gender")),
        ("birth_year", _("birth year")),
        ("phone", _("phone")),
    ]
    rows = [
        {
            "name": person.name,
            "relation": person.get_relation_display(),
            "gender": person.get_gender_display(),
            "birth_year": person.birth_year,
            "phone": person.phone,
        }
        for person in member.persons.order_by("pk")
    ]
    return Section("persons", _("Household persons"), columns, rows)


def cards_section(member: Member) -> Section:
    columns: list[tuple[str, Label]] = [
        ("card_number", _("card number")),
        ("status", _("status")),
        ("issued_at", _("issued at")),
        ("admission_basis", _("admission basis")),
    ]
    rows = [
        {
            "card_number": card.card_number,
            "status": card.get_status_display(),
            "issued_at": card.issued_at,
            "admission_basis": card.get_admission_basis_display(),
        }
        for card in Card.objects.filter(member=member).order_by("pk")
    ]
    return Section("cards", _("Cards"), columns, rows)


def slips_section(member: Member) -> Section:
    columns: list[tuple[str, Label]] = [
        ("number", _("number")),
        ("card", _("card")),
        ("store", _("store")),
        ("purchased_at", _("purchased at")),
        ("receipt_number", _("receipt number")),
        ("status", _("status")),
        ("total", _("total")),
    ]
    slips = PurchaseSlip.objects.filter(member=member).select_related("store", "card")
    rows = [
        {
            "number": slip.number,
            "card": slip.card.card_number,
            "store": slip.store.name,
            "purchased_at": slip.purchased_at,
            "receipt_number": slip.receipt_number,
            "status": slip.get_status_display(),
            "total": slip.total,
        }
        for slip in slips.order_by("pk")
    ]
    return Section("slips", _("Purchase slips"), columns, rows)


def slip_lines_section(member: Member) -> Section:
    columns: list[tuple[str, Label]] = [
        ("slip", _("slip")),
        ("category", _("category")),
        ("product", _("product")),
        ("quantity", _("quantity")),
        ("amount", _("amount")),
        ("points", _("points")),
    ]
    lines = PurchaseSlipLine.objects.filter(slip__member=member).select_related(
        "slip", "category", "product"
    )
    rows = [
        {
            "slip": line.slip.number,
            "category": line.category.name,
            "product": line.product.name if line.product else "",
            "quantity": line.quantity,
            "amount": line.amount,
            "points": line.points,
        }
        for line in lines.order_by("slip_id", "pk")
    ]
    return Section("slip_lines", _("Slip lines"), columns, rows)


def points_section(member: Member) -> Section:
    columns: list[tuple[str, Label]] = [
        ("created", _("created")),
        ("kind", _("kind")),
        ("points", _("points")),
        ("slip", _("slip")),
        ("note", _("note")),
    ]
    entries = PointsLedgerEntry.objects.filter(member=member).select_related("slip")
    rows = [
        {
            "created": entry.created,
            "kind": entry.get_kind_display(),
            "points": entry.points,
            "slip": entry.slip.number if entry.slip else "",
            "note": entry.note,
        }
        for entry in entries.order_by("pk")
    ]
    return Section("points", _("Points ledger"), columns, rows)


def registrations_section(member: Member) -> Section:
    columns: list[tuple[str, Label]] = [
        ("number", _("number")),
        ("event", _("event")),
        ("departure", _("departure")),
        ("status", _("status")),
        ("seats", _("seats")),
        ("persons", _("persons")),
        ("waitlist_position", _("waiting list position")),
        ("fee_due", _("fee due")),
        ("created", _("created")),
        ("cancelled_at", _("cancelled at")),
    ]
    registrations = (
        Registration.objects.filter(member=member)
        .select_related("event", "departure")
        .prefetch_related("persons")
    )
    rows = [
        {
            "number": registration.number,
            "event": registration.event.title,
            "departure": registration.departure.name if registration.departure else "",
            "status": registration.get_status_display(),
            "seats": registration.seats,
            "persons": ", ".join(person.name for person in registration.persons.all()),
            "waitlist_position": registration.waitlist_position,
            "fee_due": registration.fee_due,
            "created": registration.created,
            "cancelled_at": registration.cancelled_at,
        }
        for registration in registrations.order_by("pk")
    ]
    return Section("registrations", _("Event registrations"), columns, rows)


def tier_changes_section(member: Member) -> Section:
    columns: list[tuple[str, Label]] = [
        ("created", _("created")),
        ("from_tier", _("from tier")),
        ("to_tier", _("to tier")),
        ("cause", _("cause")),
        ("spend", _("qualifying spend")),
    ]
    changes = TierChange.objects.filter(member=member).select_related(
        "from_tier", "to_tier"
    )
    rows = [
        {
            "created": change.created,
            "from_tier": change.from_tier.name if change.from_tier else "",
            "to_tier": change.to_tier.name,
            "cause": change.get_cause_display(),
            "spend": change.spend,
        }
        for change in changes.order_by("pk")
    ]
    return Section("tier_changes", _("Tier changes"), columns, rows)


def consent_section(member: Member) -> Section:
    columns: list[tuple[str, Label]] = [
        ("recorded_at", _("recorded at")),
        ("kind", _("consent")),
        ("given", _("given")),
        ("method", _("method")),
    ]
    rows = [
        {
            "recorded_at": change.recorded_at,
            "kind": change.get_kind_display(),
            "given": change.given,
            "method": change.get_method_display(),
        }
        for change in member.portal_consent_changes.order_by("pk")
    ]
    return Section("consent_changes", _("Consent changes"), columns, rows)


def collect_sections(member: Member) -> list[Section]:
    """Return every section of the household's data, in export order."""
    member = Member.objects.select_related(
        "city", "district", "tier", "signup_store"
    ).get(pk=member.pk)
    return [
        member_section(member),
        persons_section(member),
        cards_section(member),
        slips_section(member),
        slip_lines_section(member),
        points_section(member),
        registrations_section(member),
        tier_changes_section(member),
        consent_section(member),
    ]


def json_value(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Promise):
        return str(value)
    return value


def render_json(sections: list[Section]) -> bytes:
    """Return the sections as a UTF-8 JSON object keyed by section.

    The household section is one object; every other section is a list.
    """
    document: dict[str, Any] = {"exported_at": timezone.localtime().isoformat()}
    for section in sections:
        rows = [
            {key: json_value(value) for key, value in row.items()}
            for row in section.rows
        ]
        document[section.key] = rows[0] if section.key == "member" else rows
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


def render_xlsx(sections: list[Section]) -> bytes:
    """Return the sections as a workbook with one sheet per section."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for section in sections:
        sheet = workbook.create_sheet(title=str(section.title)[:31])
        sheet.append([str(label) for _key, label in section.columns])
        for row in section.rows:
            sheet.append([cell_value(row.get(key)) for key, _label in section.columns])

    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def row_count(sections: list[Section]) -> int:
    return sum(len(section.rows) for section in sections)
