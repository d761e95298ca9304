"""Excel downloads of figures and of the lists behind them."""

from __future__ import annotations

from io import BytesIO

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from openpyxl import Workbook

from lq_crm.customize.export import XLSX_CONTENT_TYPE, cell_value, export_workbook
from lq_crm.exports.services import record_export
from lq_crm.reports.tables import Table


def export_table(request: HttpRequest, table: Table) -> HttpResponse:
    """Return a figure's table as an .xlsx file, and record the export.

    The table was computed with the request's filters, already limited to the
    user's cities, and contains counts and sums only, no personal data.
    """
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = table.title[:31]
    sheet.append([str(header) for header in table.headers])
    for row in table.plain_rows():
        sheet.append([cell_value(value) for value in row])

    buffer = BytesIO()
    workbook.save(buffer)
    record_export(request, f"reports.{table.key}", len(table.rows))
    filename = f"report-{table.key}-{timezone.localdate():%Y%m%d}.xlsx"
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def export_list(request: HttpRequest, queryset: QuerySet[Model]) -> HttpResponse:
    """Export a drill-down list with the columns of the model's desk list.

    The desk list's columns mask phones, and the queryset is already limited
    to the user's cities, so the file shows no more than the desk would.
    """
    model_admin = admin.site.get_model_admin(queryset.model)
    return export_workbook(
        model_admin, request, model_admin.get_queryset(request) & queryset
    )
