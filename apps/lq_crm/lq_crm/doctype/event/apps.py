from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventConfig(AppConfig):
    name = "lq_crm.doctype.event"
    label = "event"
    verbose_name = _("Events")
