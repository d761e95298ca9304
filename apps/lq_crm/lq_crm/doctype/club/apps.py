from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClubConfig(AppConfig):
    name = "lq_crm.doctype.club"
    label = "club"
    verbose_name = _("Club settings")

    def ready(self) -> None:
        from lq_crm.doctype.club import reference

        reference.connect_signals()
