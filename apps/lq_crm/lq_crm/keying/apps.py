from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KeyingConfig(AppConfig):
    name = "lq_crm.keying"
    label = "keying"
    verbose_name = _("Paper forms")
