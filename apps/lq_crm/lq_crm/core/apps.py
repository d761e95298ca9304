from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django_rq.apps import DjangoRqAdminConfig


class CoreConfig(AppConfig):
    name = "lq_crm.core"
    label = "core"
    verbose_name = _("System")


class JobQueueConfig(DjangoRqAdminConfig):
    """The django-rq app, named for the desk: its page shows the job queues."""

    verbose_name = _("Background jobs")
