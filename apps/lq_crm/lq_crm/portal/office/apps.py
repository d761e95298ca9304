from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OfficePortalConfig(AppConfig):
    name = "lq_crm.portal.office"
    label = "portal_office"
    verbose_name = _("Regional office portal")
