from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "lq_crm.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from lq_crm.reports import signals

        signals.connect()
