from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlipConfig(AppConfig):
    name = "lq_crm.doctype.slip"
    label = "slip"
    verbose_name = _("Purchase slips")
