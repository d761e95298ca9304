from django.apps import apps
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin

from lq_crm.core.admin import ReadOnlyAdminMixin
from lq_crm.exports.models import ExportRecord


@admin.register(ExportRecord)
class ExportRecordAdmin(ReadOnlyAdminMixin, ModelAdmin):
    """Exports, read-only: each is written when a file is downloaded."""

    list_display = ["exported_at", "user", "source_name", "rows", "selection"]
    list_filter = ["source", "exported_at"]
    search_fields = ["user__username", "source", "filters"]
    date_hierarchy = "exported_at"
    list_select_related = ["user"]

    @admin.display(description=_("source"), ordering="source")
    def source_name(self, record: ExportRecord) -> str:
        try:
            model = apps.get_model(record.source)
        except (LookupError, ValueError):
            return record.source
        return str(model._meta.verbose_name_plural)
