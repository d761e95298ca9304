from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import action

from lq_crm.access.scope import allowed_city_ids
from lq_crm.imports import views
from lq_crm.imports.models import ImportRecord


@admin.register(ImportRecord)
class ImportRecordAdmin(ModelAdmin):
    """Import runs, read-only: they are written only by the imports themselves.

    The upload, preview, confirm and progress pages hang under this admin.
    """

    list_display = [
        "started_at",
        "kind",
        "profile",
        "file_name",
        "status",
        "rows",
        "created_count",
        "updated_count",
        "skipped_count",
        "error_count",
    ]
    list_filter = ["kind", "status", "profile"]
    search_fields = ["file_name", "checksum"]
    date_hierarchy = "started_at"
    actions_list = ["upload_file"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ImportRecord]:
        # A regional user sees their own imports, whose rows were their cities'.
        queryset = super().get_queryset(request)
        if allowed_city_ids(request.user) is None:
            return queryset
        return queryset.filter(user_id=request.user.pk)

    def get_readonly_fields(
        self, request: HttpRequest, obj: ImportRecord | None = None
    ) -> list[str]:
        return [field.name for field in ImportRecord._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: Any | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: Any | None = None
    ) -> bool:
        return False

    @action(description=_("Import a file"), url_path="upload-file")
    def upload_file(self, request: HttpRequest) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:imports_importrecord_upload"))

    def get_urls(self) -> list[URLPattern]:
        def page(view: Any) -> Any:
            return self.admin_site.admin_view(view.as_view(model_admin=self))

        pages = [
            path("upload/", page(views.UploadView), name="imports_importrecord_upload"),
            path(
                "<int:pk>/preview/",
                page(views.PreviewView),
                name="imports_importrecord_preview",
            ),
            path(
                "<int:pk>/confirm/",
                page(views.ConfirmView),
                name="imports_importrecord_confirm",
            ),
            path(
                "<int:pk>/progress/",
                page(views.ProgressView),
                name="imports_importrecord_progress",
            ),
            path(
                "<int:pk>/status/",
                page(views.StatusView),
                name="imports_importrecord_status",
            ),
            path(
                "<int:pk>/errors/",
                page(views.ErrorFileView),
                name="imports_importrecord_errors",
            ),
        ]
        return pages + super().get_urls()
