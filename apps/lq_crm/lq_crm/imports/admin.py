from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from unfold.admin import ModelAdmin

from lq_crm.imports.models import ImportRecord


@admin.register(ImportRecord)
class ImportRecordAdmin(ModelAdmin):
    """Import runs, read-only: they are written only by the import commands."""

    list_display = [
        "started_at",
        "kind",
        "profile",
        "file_name",
        "status",
        "rows",
        "created_count",
        "skipped_count",
        "error_count",
    ]
    list_filter = ["kind", "status", "profile"]
    search_fields = ["file_name", "checksum"]
    date_hierarchy = "started_at"

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
