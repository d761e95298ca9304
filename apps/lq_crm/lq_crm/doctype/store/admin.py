from django.contrib import admin

from lq_crm.core.admin import CityScopedAdminMixin, DocumentAdmin
from lq_crm.doctype.store.models import Store


@admin.register(Store)
class StoreAdmin(CityScopedAdminMixin, DocumentAdmin):
    list_display = ["number_display", "code", "name", "city", "district", "active"]
    list_display_links = ["number_display", "code"]
    list_filter = [("city", admin.RelatedOnlyFieldListFilter), "active"]
    search_fields = ["code", "name", "address"]
    list_select_related = ["city", "district"]
