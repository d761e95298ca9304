from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomizeConfig(AppConfig):
    name = "lq_crm.customize"
    label = "customize"
    verbose_name = _("Customisation")

    def ready(self) -> None:
        from lq_crm.customize import registry

        registry.connect_signals()
