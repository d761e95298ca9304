from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PointsConfig(AppConfig):
    name = "lq_crm.doctype.points"
    label = "points"
    verbose_name = _("Points")
