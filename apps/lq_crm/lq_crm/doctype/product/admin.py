from django.contrib import admin

from lq_crm.core.admin import DocumentAdmin
from lq_crm.doctype.product.models import Product, ProductCategory


@admin.register(ProductCategory)
class ProductCategoryAdmin(DocumentAdmin):
    list_display = ["name", "code", "point_rate", "qualifying", "position"]
    list_editable = ["point_rate", "qualifying", "position"]
    search_fields = ["code", "name"]


@admin.register(Product)
class ProductAdmin(DocumentAdmin):
    list_display = ["number_display", "code", "name", "category", "price", "active"]
    list_display_links = ["number_display", "code"]
    list_filter = ["category", "active"]
    search_fields = ["code", "name"]
    list_select_related = ["category"]
