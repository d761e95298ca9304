"""Desk pages of an import: upload, preview, confirm, progress and error file.

They are mounted under the import record admin (``ImportRecordAdmin.get_urls``)
and render with unfold's admin templates.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView, View
from unfold.views import UnfoldModelAdminViewMixin
from unfold.widgets import UnfoldAdminFileFieldWidget, UnfoldAdminSelectWidget

from lq_crm.imports.access import kinds_for, may_follow
from lq_crm.imports.jobs import job_missing, start_import, start_preview
from lq_crm.imports.models import ImportRecord
from lq_crm.imports.services import KINDS, ImportFailed, create_upload

PREVIEW_STATES = {ImportRecord.Status.PREVIEWING, ImportRecord.Status.PREVIEWED}


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What the file contains"))
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(
            "CSV in UTF-8, GBK or GB18030, or an Excel .xlsx workbook, with a "
            "header row in Chinese or English."
        ),
        widget=UnfoldAdminFileFieldWidget,
    )

    def __init__(self, *args: Any, kinds: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(ImportRecord.Kind.choices)
        field = self.fields["kind"]
        field.choices = [(kind, labels[kind]) for kind in kinds]  # type: ignore[attr-defined]
        field.widget = UnfoldAdminSelectWidget(choices=field.choices)  # type: ignore[attr-defined]


class ImportPermissionMixin(UnfoldModelAdminViewMixin):
    """Let in desk users who may import at least one kind."""

    permission_required = ()

    def has_permission(self) -> bool:
        return bool(kinds_for(self.request.user))

    def get_record(self, pk: int) -> ImportRecord:
        record = get_object_or_404(
            ImportRecord, pk=pk, kind__in=list(KINDS), profile=""
        )
        if not may_follow(self.request.user, record):
            raise Http404
        return record


class UploadView(ImportPermissionMixin, FormView):
    title = gettext_lazy("Import a file")
    template_name = "imports/upload.html"
    form_class = UploadForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "kinds": kinds_for(self.request.user)}

    def form_valid(self, form: UploadForm) -> HttpResponse:
        try:
            record = create_upload(
                form.cleaned_data["file"], form.cleaned_data["kind"], self.request.user
            )
        except ImportFailed as error:
            form.add_error("file", str(error))
            return self.form_invalid(form)

        start_preview(record)
        return HttpResponseRedirect(
            reverse("admin:imports_importrecord_preview", args=[record.pk])
        )


class PreviewView(ImportPermissionMixin, TemplateView):
    title = gettext_lazy("Check the file before importing")
    template_name = "imports/preview.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        record = self.get_record(kwargs["pk"])
        if record.status not in PREVIEW_STATES and record.status != "failed":
            return HttpResponseRedirect(
                reverse("admin:imports_importrecord_progress", args=[record.pk])
            )
        return self.render_to_response(self.get_context_data(record=record))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        record: ImportRecord = kwargs["record"]
        preview = record.preview or {}
        return super().get_context_data(
            preview=preview,
            failures=preview.get("failures", []),
            from_address=preview.get("notes", {}).get("city_from_address", 0),
            status_url=reverse("admin:imports_importrecord_status", args=[record.pk]),
            **kwargs,
        )


class ConfirmView(ImportPermissionMixin, View):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        record = self.get_record(pk)
        if record.user_id != request.user.pk:
            raise PermissionDenied
        if record.status == ImportRecord.Status.PREVIEWED:
            start_import(record)
            messages.info(request, _("The import has started."))
        return HttpResponseRedirect(
            reverse("admin:imports_importrecord_progress", args=[record.pk])
        )


class ProgressView(ImportPermissionMixin, TemplateView):
    title = gettext_lazy("Import progress")
    template_name = "imports/progress.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        record = self.get_record(kwargs["pk"])
        return super().get_context_data(
            record=record,
            status_url=reverse("admin:imports_importrecord_status", args=[record.pk]),
            **kwargs,
        )


class StatusView(ImportPermissionMixin, View):
    """The record's status and counts as JSON, polled by the pages above."""

    def get(self, request: HttpRequest, pk: int) -> JsonResponse:
        record = self.get_record(pk)
        return JsonResponse(
            {
                "status": record.status,
                "status_display": record.get_status_display(),
                "rows": record.rows,
                "processed": record.processed_rows,
                "percent": record.percent,
                "created": record.created_count,
                "updated": record.updated_count,
                "unchanged": record.skipped_count,
                "errors": record.error_count,
                "finished": record.finished,
                "notice": waiting_notice(record),
            }
        )


def waiting_notice(record: ImportRecord) -> str:
    """Return what to tell the user while the record's job is missing, or ""."""
    if not job_missing(record):
        return ""

    return _(
        "Background jobs cannot be reached at the moment, so this file waits. "
        "It starts by itself within a quarter of an hour after they are back: "
        "there is no need to upload it again."
    )


class ErrorFileView(ImportPermissionMixin, View):
    def get(self, request: HttpRequest, pk: int) -> FileResponse:
        record = self.get_record(pk)
        if not record.error_file:
            raise Http404
        return FileResponse(
            record.error_file.open("rb"),
            as_attachment=True,
            filename=Path(record.error_file.name or "errors").name,
        )
