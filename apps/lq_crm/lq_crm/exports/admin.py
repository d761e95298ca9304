from django.apps import apps
from django.contrib import admin
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin

from lq_crm.core.admin import ReadOnlyAdminMixin
from lq_crm.exports.models import ExportRecord
from lq_crm.exports.services import ALL_MATCHING


@admin.register(ExportRecord)
class ExportRecordAdmin(ReadOnlyAdminMixin, ModelAdmin):
    """Exports, read-only: each is written when a file is downloaded."""

    list_display = ["exported_at", "user", "source_name", "rows", "selection_shown"]
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

    @admin.display(description=_("selection"))
    def selection_shown(self, record: ExportRecord) -> str:
        if record.selection == ALL_MATCHING:
            return gettext("all matching rows")
        if record.selection.isdigit():
            return gettext("%(count)d ticked rows") % {"count": int(record.selection)}
        return record.selection
