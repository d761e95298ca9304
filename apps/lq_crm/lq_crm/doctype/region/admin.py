from django.contrib import admin
from unfold.admin import ModelAdmin

from lq_crm.core.admin import ReadOnlyAdminMixin
from lq_crm.doctype.region.models import Region


@admin.register(Region)
class RegionAdmin(ReadOnlyAdminMixin, ModelAdmin):
    """Shandong's cities and districts, read-only because a fixture owns them."""

    list_display = ["name", "adcode", "level", "parent"]
    list_filter = ["level", ("parent", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "adcode"]
    list_select_related = ["parent"]
    ordering = ["adcode"]
