"""Keep a household's blocking keys in step with its name and address."""

from __future__ import annotations

from typing import Any

from lq_crm.doctype.member.models import Member
from lq_crm.duplicates.keys import refresh_keys

KEY_SOURCES = {"name", "address", "city"}


def set_member_keys(sender: type[Member], instance: Member, **kwargs: Any) -> None:
    """Recompute the keys before a save that may change the name or address.

    A save limited by ``update_fields`` to other fields (spend, tier) skips
    the work. A save whose ``update_fields`` names the name but not the keys,
    bulk creates and queryset updates leave the stored keys stale, so
    ``record_candidates`` refreshes the keys of the households it is given.
    """
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and not KEY_SOURCES & set(update_fields):
        return

    city = instance.city if instance.city_id is not None else None
    refresh_keys(instance, city.name if city is not None else "")
