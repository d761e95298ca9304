from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StoreConfig(AppConfig):
    name = "lq_crm.doctype.store"
    label = "store"
    verbose_name = _("Stores")
