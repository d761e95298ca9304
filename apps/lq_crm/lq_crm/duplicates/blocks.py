"""Fetch the households that share a blocking key with the given ones.

Each function runs one query on an indexed column (the phone, or the city
with the name key or the address key) and returns profiles ready for
``evidence.compare``. Merged households are left out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from django.db.models import Q

from lq_crm.doctype.member.models import HouseholdPerson, Member
from lq_crm.doctype.region.models import Region
from lq_crm.duplicates.evidence import Profile
from lq_crm.duplicates.keys import clean_name, name_key

PROFILE_FIELDS = ("pk", "name", "name_key", "address_key", "city_id")


def city_names() -> dict[int, str]:
    return dict(
        Region.objects.filter(level=Region.Level.CITY).values_list("pk", "name")
    )


def member_profile(row: Mapping[str, Any]) -> Profile:
    """Build a stored household's profile from its stored keys, without pypinyin."""
    return Profile(
        member_id=row["pk"],
        name=clean_name(row["name"]),
        name_key=row["name_key"],
        address=row["address_key"],
        city_id=row["city_id"],
    )


def members_by_phone(
    phones: Iterable[str], exclude_ids: Collection[int] = ()
) -> dict[str, list[Profile]]:
    """Map each phone to the households whose own phone it is.

    Households in ``exclude_ids`` are left out, because the caller has them.
    """
    found: dict[str, list[Profile]] = defaultdict(list)
    wanted = {phone for phone in phones if phone}
    if not wanted:
        return found

    rows = Member.objects.unmerged().filter(phone__in=wanted).order_by()
    if exclude_ids:
        rows = rows.exclude(pk__in=exclude_ids)
    for row in rows.values("phone", *PROFILE_FIELDS):
        found[row["phone"]].append(member_profile(row))
    return found


def persons_by_phone(phones: Iterable[str]) -> dict[str, list[Profile]]:
    """Map each phone to household persons who carry it, as profiles.

    A person's profile has the person's name and the household's id, city
    and address key, because a person has no address of their own.
    """
    found: dict[str, list[Profile]] = defaultdict(list)
    wanted = {phone for phone in phones if phone}
    if not wanted:
        return found

    rows = (
        HouseholdPerson.objects.filter(
            phone__in=wanted, member__merged_into__isnull=True
        )
        .order_by()
        .values("phone", "name", "member_id", "member__address_key", "member__city_id")
    )
    for row in rows:
        found[row["phone"]].append(person_profile(row))
    return found


def person_profile(row: Mapping[str, Any]) -> Profile:
    return Profile(
        member_id=row["member_id"],
        name=clean_name(row["name"]),
        name_key=name_key(row["name"]),
        address=row["member__address_key"],
        city_id=row["member__city_id"],
    )


def members_by_key(
    field: str, keys_by_city: dict[int, set[str]], exclude_ids: Collection[int] = ()
) -> dict[tuple[int, str], list[Profile]]:
    """Map (city id, key) to the households of that city with that key.

    ``field`` is ``name_key`` or ``address_key``; ``keys_by_city`` gives the
    keys wanted in each city. One query selects them all, without the
    households in ``exclude_ids``.
    """
    found: dict[tuple[int, str], list[Profile]] = defaultdict(list)
    condition = Q()
    for city_id, keys in keys_by_city.items():
        wanted = {key for key in keys if key}
        if wanted:
            condition |= Q(city_id=city_id, **{f"{field}__in": wanted})
    if not condition:
        return found

    rows = Member.objects.unmerged().filter(condition).order_by()
    if exclude_ids:
        rows = rows.exclude(pk__in=exclude_ids)
    for row in rows.values(*PROFILE_FIELDS):
        found[(row["city_id"], row[field])].append(member_profile(row))
    return found
