from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegionConfig(AppConfig):
    name = "lq_crm.doctype.region"
    label = "region"
    verbose_name = _("Regions")
