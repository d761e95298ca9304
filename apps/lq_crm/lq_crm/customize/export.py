"""Write a desk list to an Excel workbook: its columns, then its custom fields."""

from __future__ import annotations

import datetime
from decimal import Decimal
from io import BytesIO
from typing import Any

from django.contrib.admin.utils import display_for_value, label_for_field, lookup_field
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.text import slugify
from openpyxl import Workbook

from lq_crm.customize.registry import FieldDefinition, active_fields
from lq_crm.customize.values import to_python
from lq_crm.exports.services import record_export

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SKIPPED_COLUMNS = {"action_checkbox"}
CELL_TYPES = (str, int, float, Decimal, datetime.date, bool)


def cell_value(value: Any) -> Any:
    """Return ``value`` as a type that openpyxl writes into a cell."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        # Excel has no time zones: write the local time the desk shows.
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None)
    if isinstance(value, CELL_TYPES):
        return value
    return str(display_for_value(value, ""))


def column_value(name: Any, obj: Model, model_admin: Any) -> Any:
    try:
        field, _attr, value = lookup_field(name, obj, model_admin)
    except (AttributeError, ValueError, LookupError):
        return None
    if field is not None and getattr(field, "flatchoices", None):
        return dict(field.flatchoices).get(value, value)
    return value


def export_workbook(
    model_admin: Any, request: HttpRequest, queryset: QuerySet
) -> HttpResponse:
    """Return an .xlsx response with the list's columns and the custom fields.

    Only the rows of ``queryset`` are written, so the export never shows more
    than the list the user may see.
    """
    model = model_admin.model
    definitions = active_fields(model)
    custom_names = {f"custom_{d.key}" for d in definitions}
    columns = [
        name
        for name in model_admin.get_list_display(request)
        if name not in SKIPPED_COLUMNS
        and getattr(name, "__name__", "") not in custom_names
    ]

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(model._meta.verbose_name_plural)[:31]
    sheet.append(
        [str(label_for_field(name, model, model_admin)) for name in columns]
        + [definition.label for definition in definitions]
    )
    count = 0
    for obj in queryset.iterator(chunk_size=500):
        sheet.append(row_values(obj, columns, definitions, model_admin))
        count += 1

    buffer = BytesIO()
    workbook.save(buffer)
    record_export(request, model._meta.label_lower, count)
    filename = f"{slugify(model._meta.model_name)}-{timezone.localdate():%Y%m%d}.xlsx"
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def row_values(
    obj: Model,
    columns: list[Any],
    definitions: tuple[FieldDefinition, ...],
    model_admin: Any,
) -> list[Any]:
    stored = getattr(obj, "custom", None) or {}
    values = [cell_value(column_value(name, obj, model_admin)) for name in columns]
    values += [cell_value(to_python(d, stored.get(d.key))) for d in definitions]
    return values
