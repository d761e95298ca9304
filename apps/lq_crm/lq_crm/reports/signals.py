"""Keep the household aggregates current as households are saved through the ORM.

The bulk slip importer inserts households without signals and calls
``count_signups`` itself.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save, pre_save

from lq_crm.doctype.member.models import Member
from lq_crm.reports.aggregates import (
    HouseholdKey,
    count_signups,
    move_household_activity,
    remove_household,
)

# Member fields in the aggregates' keys, as named in ``save(update_fields=...)``.
KEY_FIELDS = {
    "joined_on",
    "city",
    "tier",
    "signup_activity",
    "signup_store",
    "merged_into",
}


def household_key(member: Member) -> HouseholdKey:
    return HouseholdKey(
        joined_on=member.joined_on,
        city_id=member.city_id,
        tier_id=member.tier_id,
        activity=member.signup_activity,
        store_id=member.signup_store_id,
        merged=member.merged_into_id is not None,
    )


def remember_old_key(sender: type[Member], instance: Member, **kwargs: Any) -> None:
    """Read the stored key before a save that may change it."""
    instance._reports_old_key = None  # type: ignore[attr-defined]
    update_fields = kwargs.get("update_fields")
    if instance.pk is None or kwargs.get("raw"):
        return
    if update_fields is not None and not KEY_FIELDS & set(update_fields):
        return

    stored = Member.objects.filter(pk=instance.pk).first()
    if stored is not None:
        instance._reports_old_key = household_key(stored)  # type: ignore[attr-defined]


def update_households(
    sender: type[Member], instance: Member, created: bool, **kwargs: Any
) -> None:
    if created:
        count_signups([instance.pk])
        return

    old_key = getattr(instance, "_reports_old_key", None)
    if old_key is None or old_key == household_key(instance):
        return

    remove_household(old_key)
    count_signups([instance.pk])
    if old_key.activity != instance.signup_activity:
        move_household_activity(instance.pk, old_key.activity)


def forget_household(sender: type[Member], instance: Member, **kwargs: Any) -> None:
    remove_household(household_key(instance))


def connect() -> None:
    pre_save.connect(remember_old_key, sender=Member, dispatch_uid="reports-old-key")
    post_save.connect(update_households, sender=Member, dispatch_uid="reports-save")
    post_delete.connect(forget_household, sender=Member, dispatch_uid="reports-delete")
