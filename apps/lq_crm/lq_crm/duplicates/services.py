"""Record candidate pairs of duplicate households and the decisions on them."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import cast

from django.db import connection, transaction
from django.db.models import Field
from django.utils import timezone
from django.utils.translation import gettext as _

from lq_crm.core.users import Actor, actor_id
from lq_crm.doctype.member.models import HouseholdPerson, Member
from lq_crm.duplicates.blocks import (
    city_names,
    member_profile,
    members_by_key,
    members_by_phone,
    person_profile,
    persons_by_phone,
)
from lq_crm.duplicates.evidence import Evidence, Profile, compare
from lq_crm.duplicates.keys import refresh_keys
from lq_crm.duplicates.models import DuplicateCandidate, Reason

logger = logging.getLogger(__name__)

SCAN_CHUNK_SIZE = 1000
KEY_UPDATE_BATCH = 1000
# A phone or key shared by more households than this is no evidence of a
# duplicate: think of a store's phone keyed for customers without one, or a
# placeholder name such as 先生. Comparing within such a block would cost the
# square of its size, so it is skipped with a warning.
MAX_BLOCK_SIZE = 200

Pair = tuple[int, int]


class CandidateError(Exception):
    """A decision on a candidate pair that cannot be taken, with what to do."""


def load_members(member_ids: Sequence[int], names: dict[int, str]) -> list[Member]:
    """Load the unmerged households and store any stale blocking keys."""
    members = list(
        Member.objects.unmerged()
        .filter(pk__in=set(member_ids))
        .only("pk", "name", "phone", "address", "city_id", "name_key", "address_key")
        .order_by()
    )
    stale = [
        member
        for member in members
        if refresh_keys(member, names.get(member.city_id, ""))
    ]
    store_keys(stale)
    return members


def store_keys(members: list[Member]) -> None:
    """Write the members' name and address keys, 1000 rows per UPDATE.

    This is what ``bulk_update`` does, written as SQL because building its
    CASE expressions through the ORM took about a second of Python time per
    1000 rows, more than the query (cProfile, on two shared and busy cores).
    """
    quote = connection.ops.quote_name
    table = quote(Member._meta.db_table)
    pk, name_key, address_key = (
        quote(str(cast(Field, Member._meta.get_field(name)).column))
        for name in ("id", "name_key", "address_key")
    )
    for start in range(0, len(members), KEY_UPDATE_BATCH):
        batch = members[start : start + KEY_UPDATE_BATCH]
        when = " ".join(["WHEN %s THEN %s"] * len(batch))
        placeholders = ", ".join(["%s"] * len(batch))
        sql = (
            f"UPDATE {table} SET {name_key} = CASE {pk} {when} END, "
            f"{address_key} = CASE {pk} {when} END WHERE {pk} IN ({placeholders})"
        )
        params: list[int | str] = []
        for member in batch:
            params += [member.pk, member.name_key]
        for member in batch:
            params += [member.pk, member.address_key]
        params += [member.pk for member in batch]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


class PairCollector:
    """Keep the best evidence found for each unordered pair of households."""

    def __init__(self) -> None:
        self.pairs: dict[Pair, Evidence] = {}
        self.skipped_blocks: set[tuple[str, int]] = set()

    def too_large(self, block: list[Profile], kind: str) -> bool:
        """Tell whether to skip ``block``, remembering it for one warning."""
        if len(block) <= MAX_BLOCK_SIZE:
            return False

        self.skipped_blocks.add((kind, id(block)))
        return True

    def add(
        self, first_id: int | None, second_id: int | None, found: Evidence | None
    ) -> None:
        if found is None or first_id is None or second_id is None:
            return
        if first_id == second_id:
            return

        pair = (min(first_id, second_id), max(first_id, second_id))
        current = self.pairs.get(pair)
        if current is None or found.score > current.score:
            self.pairs[pair] = found


def collect_by_phone(
    profiles: dict[int, Profile], phones: dict[int, str], collector: PairCollector
) -> None:
    """Pair households whose phone is another household's or one of its persons'."""
    wanted = set(phones.values())
    # The chunk's own households are added from memory, not read again.
    owners = members_by_phone(wanted, exclude_ids=list(phones))
    for member_id, phone in phones.items():
        owners[phone].append(profiles[member_id])
    bearers = persons_by_phone(wanted)
    for member_id, phone in phones.items():
        own = profiles[member_id]
        if collector.too_large(owners.get(phone, []), "phone"):
            continue
        for other in owners.get(phone, []):
            found = compare(own, other, phone_reason=Reason.SAME_PHONE)
            collector.add(member_id, other.member_id, found)
        for other in bearers.get(phone, []):
            found = compare(own, other, phone_reason=Reason.PERSON_PHONE)
            collector.add(member_id, other.member_id, found)


def collect_by_own_persons(member_ids: set[int], collector: PairCollector) -> None:
    """Pair the given households' persons with households that have their phone."""
    persons = (
        HouseholdPerson.objects.filter(member_id__in=member_ids)
        .exclude(phone="")
        .order_by()
    )
    rows = list(
        persons.values(
            "phone", "name", "member_id", "member__address_key", "member__city_id"
        )
    )
    owners = members_by_phone({row["phone"] for row in rows})
    for row in rows:
        person = person_profile(row)
        for other in owners.get(row["phone"], []):
            found = compare(other, person, phone_reason=Reason.PERSON_PHONE)
            collector.add(row["member_id"], other.member_id, found)


def collect_by_keys(
    members: list[Member], profiles: dict[int, Profile], collector: PairCollector
) -> None:
    """Pair households of one city with the same name key or address key."""
    for key_field in ("name_key", "address_key"):
        keyed = [member for member in members if getattr(member, key_field)]
        keys_by_city: dict[int, set[str]] = defaultdict(set)
        for member in keyed:
            keys_by_city[member.city_id].add(getattr(member, key_field))
        block = members_by_key(key_field, keys_by_city, exclude_ids=list(profiles))
        for member in keyed:
            key = (member.city_id, getattr(member, key_field))
            block[key].append(profiles[member.pk])

        for member in keyed:
            own = profiles[member.pk]
            key = (member.city_id, getattr(member, key_field))
            if collector.too_large(block[key], key_field):
                continue
            for other in block[key]:
                collector.add(member.pk, other.member_id, compare(own, other))


def find_pairs(members: list[Member]) -> dict[Pair, Evidence]:
    profiles = {
        member.pk: member_profile(
            {
                "pk": member.pk,
                "name": member.name,
                "name_key": member.name_key,
                "address_key": member.address_key,
                "city_id": member.city_id,
            }
        )
        for member in members
    }
    phones = {member.pk: member.phone for member in members if member.phone}

    collector = PairCollector()
    collect_by_phone(profiles, phones, collector)
    collect_by_own_persons(set(profiles), collector)
    collect_by_keys(members, profiles, collector)
    if collector.skipped_blocks:
        kinds = sorted({kind for kind, _block in collector.skipped_blocks})
        logger.warning(
            "Duplicate check skipped %s blocks of over %s households (%s)",
            len(collector.skipped_blocks),
            MAX_BLOCK_SIZE,
            ", ".join(kinds),
        )
    return collector.pairs


def store_new_pairs(pairs: dict[Pair, Evidence]) -> int:
    """Insert the pairs not stored yet, whatever their decision; return how many."""
    if not pairs:
        return 0

    lows = {low for low, _high in pairs}
    highs = {high for _low, high in pairs}
    stored = set(
        DuplicateCandidate.objects.filter(
            member_low__in=lows, member_high__in=highs
        ).values_list("member_low_id", "member_high_id")
    )
    new = [
        DuplicateCandidate(
            member_low_id=low,
            member_high_id=high,
            score=evidence.score,
            reasons=list(evidence.reasons),
        )
        for (low, high), evidence in sorted(pairs.items())
        if (low, high) not in stored
    ]
    # A pair stored by another process since the read above is skipped by
    # the unique index, so the count may be high by that pair.
    DuplicateCandidate.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def record_candidates(member_ids: Sequence[int]) -> int:
    """Record new candidate pairs between these households and all others.

    Each household is compared only with the households that share its
    phone, or its name key or address key within its city, so a chunk costs
    a fixed number of queries whatever the size of the club. A pair that is
    stored already, open or decided ("not duplicates" included), is never
    recorded again. Returns the number of new pairs.

    NOTE: on 100,000 generated households in chunks of 1000 this took about
    1 ms per household, as long as bulk-creating them, on MariaDB 10.11 with
    two cores shared with other work. bench/member_import.py times the whole
    import with this call against its 5,000 rows/s target.
    """
    if not member_ids:
        return 0

    return record_candidates_of(load_members(member_ids, city_names()))


def record_candidates_of(members: list[Member]) -> int:
    """Record new candidate pairs for unmerged households with current keys.

    This is ``record_candidates`` without reading the households again, for
    a caller that has just saved them (an import) with ``refresh_keys``
    applied and the keys written. Only ``pk``, ``name``, ``phone``,
    ``city_id``, ``name_key`` and ``address_key`` of each one are read.
    """
    if not members:
        return 0

    pairs = find_pairs(members)
    created = store_new_pairs(pairs)
    logger.info(
        "Duplicate check of %s households: %s pairs found, %s new",
        len(members),
        len(pairs),
        created,
    )
    return created


def scan_all_members(
    chunk_size: int = SCAN_CHUNK_SIZE,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Run ``record_candidates`` over every unmerged household, in id order.

    Returns the number of new pairs. ``progress`` is called with the
    households done and the total after each chunk.
    """
    ids = list(Member.objects.unmerged().order_by("pk").values_list("pk", flat=True))
    created = 0
    for start in range(0, len(ids), chunk_size):
        created += record_candidates(ids[start : start + chunk_size])
        if progress is not None:
            progress(min(start + chunk_size, len(ids)), len(ids))
    logger.info("Duplicate scan of %s households: %s new pairs", len(ids), created)
    return created


def mark_not_duplicates(
    candidate: DuplicateCandidate, user: Actor
) -> DuplicateCandidate:
    """Remember that the two households are different; the pair stays out of the queue.

    Marking a pair that is already marked is a no-op, so a double click
    records one decision.
    """
    with transaction.atomic():
        candidate = DuplicateCandidate.objects.select_for_update().get(pk=candidate.pk)
        if candidate.status == DuplicateCandidate.Status.NOT_DUPLICATES:
            return candidate
        if candidate.status == DuplicateCandidate.Status.MERGED:
            raise CandidateError(
                _(
                    "These households were merged: undo the merge before "
                    "marking them as not duplicates."
                )
            )

        candidate.status = DuplicateCandidate.Status.NOT_DUPLICATES
        candidate.decided_at = timezone.now()
        candidate.decided_by_id = actor_id(user)
        candidate.save(update_fields=["status", "decided_at", "decided_by"])

    logger.info("Candidate pair %s marked as not duplicates", candidate.pk)
    return candidate
