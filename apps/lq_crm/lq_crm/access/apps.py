from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    name = "lq_crm.access"
    label = "access"
    verbose_name = _("Access")

    def ready(self) -> None:
        from lq_crm.access import memo

        memo.connect_signals()
