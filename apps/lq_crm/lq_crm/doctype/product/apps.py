from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProductConfig(AppConfig):
    name = "lq_crm.doctype.product"
    label = "product"
    verbose_name = _("Products")
