from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TierConfig(AppConfig):
    name = "lq_crm.doctype.tier"
    label = "tier"
    verbose_name = _("Tiers")
