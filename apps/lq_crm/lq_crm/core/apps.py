from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django_rq.apps import DjangoRqAdminConfig


class CoreConfig(AppConfig):
    # This module defines and imports other configs too, so Django picks
    # the core app's config by this flag.
    default = True
    name = "lq_crm.core"
    label = "core"
    verbose_name = _("System")

    def ready(self) -> None:
        from simple_history.signals import pre_create_historical_record

        from lq_crm.core.history import blank_missing_reason

        pre_create_historical_record.connect(
            blank_missing_reason, dispatch_uid="lq_crm.core.blank_missing_reason"
        )


class JobQueueConfig(DjangoRqAdminConfig):
    """The django-rq app, named for the desk: its page shows the job queues."""

    default = False
    verbose_name = _("Background jobs")
