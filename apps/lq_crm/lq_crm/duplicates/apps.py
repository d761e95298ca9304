from django.apps import AppConfig
from django.db.models.signals import pre_save
from django.utils.translation import gettext_lazy as _


class DuplicatesConfig(AppConfig):
    name = "lq_crm.duplicates"
    label = "duplicates"
    verbose_name = _("Duplicates")

    def ready(self) -> None:
        from lq_crm.core.scoping import CITY_PATHS, CityPath
        from lq_crm.doctype.member.models import Member
        from lq_crm.duplicates.signals import set_member_keys

        pre_save.connect(set_member_keys, sender=Member, dispatch_uid="member-keys")
        # One member's city; the desk views also check the other member's.
        CITY_PATHS["duplicates.duplicatecandidate"] = CityPath("member_low__city")
        CITY_PATHS["duplicates.merge"] = CityPath("survivor__city")
