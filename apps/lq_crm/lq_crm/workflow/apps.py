from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    name = "lq_crm.workflow"
    label = "workflow"
    verbose_name = _("Workflows")

    def ready(self) -> None:
        from lq_crm.workflow import permissions, registry

        registry.connect_signals()
        permissions.connect_signals()
