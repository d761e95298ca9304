from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MemberPortalConfig(AppConfig):
    name = "lq_crm.portal.member"
    label = "portal_member"
    verbose_name = _("Member portal")
