"""Merge a duplicate household into another without losing a row, and undo it.

A merge runs in one transaction that locks both households, lower id first.
Slip and card services also lock the household before its rows, so they
wait for a merge instead of writing to a household half moved. It moves every
row of the merged household to the survivor and writes each move down, so
that an undo can move exactly those rows back. The merged household's row
stays, marked ``merged_into``, so its old phone still leads to the survivor.
"""

from __future__ import annotations

import logging

from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from lq_crm.core.users import Actor, actor_id
from lq_crm.doctype.card.models import Card
from lq_crm.doctype.event.eligibility import RegistrationError
from lq_crm.doctype.member.models import Member
from lq_crm.doctype.slip.models import PurchaseSlip
from lq_crm.doctype.slip.services import recompute_spend
from lq_crm.doctype.tier.models import TierChange
from lq_crm.doctype.tier.services import apply_tier
from lq_crm.duplicates.collapse import collapse_registrations, register_again
from lq_crm.duplicates.fields import fill_blanks, restore_filled, snapshot
from lq_crm.duplicates.models import DuplicateCandidate, Merge, MovedRow
from lq_crm.duplicates.moves import Relation, member_relations, move_back, move_relation
from lq_crm.duplicates.services import record_candidates
from lq_crm.reports.aggregates import count_slips

logger = logging.getLogger(__name__)

MOVED_ROW_BATCH = 1000


class MergeError(Exception):
    """A merge or undo that cannot be done, with what to do instead."""


class AlreadyMerged(MergeError):
    """The same merge was done already, as after a double click."""

    def __init__(self, merge: Merge | None, message: str) -> None:
        super().__init__(message)
        self.merge = merge


class AlreadyUndone(MergeError):
    """The merge was undone already, as after a double click."""


def lock_pair(survivor_id: int, merged_id: int) -> tuple[Member, Member]:
    """Lock both households, lower id first, and return them fresh."""
    locked = {
        member.pk: member
        for member in Member.objects.select_for_update()
        .filter(pk__in=[survivor_id, merged_id])
        .order_by("pk")
    }
    if len(locked) != 2:
        raise MergeError(_("One of the two households no longer exists."))
    return locked[survivor_id], locked[merged_id]


def check_mergeable(survivor: Member, merged: Member) -> None:
    if merged.merged_into_id == survivor.pk:
        existing = Merge.objects.filter(
            survivor=survivor, merged=merged, status=Merge.Status.DONE
        ).first()
        raise AlreadyMerged(
            existing,
            _("Household %(merged)s was already merged into %(survivor)s.")
            % {"merged": merged.number, "survivor": survivor.number},
        )
    for member in (survivor, merged):
        if member.merged_into_id is not None:
            raise MergeError(
                _(
                    "Household %(member)s was merged into another household "
                    "already: undo that merge first."
                )
                % {"member": member.number}
            )


def remember_user(member: Member, user: Actor, reason: str) -> None:
    if isinstance(user, AbstractBaseUser):
        member._history_user = user  # type: ignore[attr-defined]
    member._change_reason = reason  # type: ignore[attr-defined]


def one_to_one_kept(
    relation: Relation, survivor: Member, merged: Member
) -> tuple[set[int], list[str]]:
    """Keep the merged household's one-to-one row when the survivor has its own."""
    manager = relation.model._default_manager
    if not manager.filter(**{relation.field_name: survivor.pk}).exists():
        return set(), []
    theirs = manager.filter(**{relation.field_name: merged.pk})
    kept = set(theirs.values_list("pk", flat=True))
    if not kept:
        return set(), []

    note = _(
        "The %(type)s of the merged household stays with it, because the "
        "surviving household has its own."
    ) % {"type": relation.model._meta.verbose_name}
    return kept, [note]


def move_all_rows(
    merge: Merge, survivor: Member, stay: set[int], user: Actor, reason: str
) -> list[str]:
    """Move the rows of every relation to the survivor; return notes."""
    notes: list[str] = []
    moved: list[MovedRow] = []
    for relation in member_relations():
        keep = stay if relation.label == "event.registration" else set()
        if relation.one_to_one:
            kept, kept_notes = one_to_one_kept(relation, survivor, merge.merged)
            keep = keep | kept
            notes.extend(kept_notes)
        try:
            with transaction.atomic():
                moved.extend(move_relation(relation, merge, keep, user, reason))
        except IntegrityError:
            logger.exception(
                "Merge %s: rows of %s could not move", merge.pk, relation.label
            )
            raise MergeError(
                _(
                    "The %(type)s rows of household %(member)s could not be "
                    "moved because the surviving household has matching rows: "
                    "resolve them first, then merge again."
                )
                % {
                    "type": relation.model._meta.verbose_name_plural,
                    "member": merge.merged,
                }
            ) from None
    MovedRow.objects.bulk_create(moved, batch_size=MOVED_ROW_BATCH)
    return notes


def recompute(member: Member, user: Actor, *, notify: bool) -> None:
    """Store the household's spend from its slips and move its tier to match."""
    recompute_spend(member)
    apply_tier(member, cause=TierChange.Cause.MERGE, user=user, notify=notify)


def set_pair_status(
    survivor: Member, merged: Member, status: str, user: Actor
) -> DuplicateCandidate | None:
    low, high = sorted([survivor.pk, merged.pk])
    candidate = DuplicateCandidate.objects.filter(
        member_low_id=low, member_high_id=high
    ).first()
    if candidate is None:
        return None

    decided = status != DuplicateCandidate.Status.OPEN
    candidate.status = status
    candidate.decided_at = timezone.now() if decided else None
    candidate.decided_by_id = actor_id(user) if decided else None
    candidate.save(update_fields=["status", "decided_at", "decided_by"])
    return candidate


def merge_members(survivor: Member, merged: Member, *, user: Actor = None) -> Merge:
    """Merge ``merged`` into ``survivor``, keeping every row of both.

    Slips, points, cards, registrations, tier changes, persons, messages and
    any other row that points at ``merged`` move to ``survivor``. Two live
    registrations of one event collapse to one (see ``collapse``). Blank
    survivor fields and custom values are filled from ``merged``. Spend and
    tier are recomputed, with one message when the tier changes. Raises
    AlreadyMerged when this merge was done already and MergeError when it
    cannot be done.
    """
    if survivor.pk == merged.pk:
        raise MergeError(_("Choose two different households to merge."))

    try:
        with transaction.atomic():
            merge = merge_locked(survivor.pk, merged.pk, user)
    except RegistrationError as error:
        raise MergeError(
            _("A registration could not be cancelled: %(error)s") % {"error": error}
        ) from None

    logger.info(
        "Merge %s: member %s merged into member %s, %s rows moved",
        merge.pk,
        merge.merged_id,
        merge.survivor_id,
        merge.rows.count(),
    )
    return merge


def merge_locked(survivor_id: int, merged_id: int, user: Actor) -> Merge:
    survivor, merged = lock_pair(survivor_id, merged_id)
    check_mergeable(survivor, merged)
    merge = Merge.objects.create(
        survivor=survivor,
        merged=merged,
        owner_id=actor_id(user),
        snapshot={"survivor": snapshot(survivor), "merged": snapshot(merged)},
    )
    reason = _("Merge %(merge)s: %(merged)s into %(survivor)s") % {
        "merge": merge.number,
        "merged": merged.number,
        "survivor": survivor.number,
    }

    # 1. Registrations of the same event, 2. every row, 3. the two rows.
    collapsed, stay, notes = collapse_registrations(survivor, merged, user, reason)
    submitted = submitted_slip_ids(PurchaseSlip.objects.filter(member=merged))
    count_slips(submitted, sign=-1)
    notes += move_all_rows(merge, survivor, stay, user, reason)
    count_slips(submitted)

    filled = fill_blanks(survivor, merged)
    remember_user(survivor, user, reason)
    survivor.save(update_fields=[*filled, "name_key", "address_key", "modified"])
    merged.merged_into = survivor
    remember_user(merged, user, reason)
    merged.save(update_fields=["merged_into", "modified"])

    # 4. Spend and tiers; only the survivor's change is announced.
    recompute(survivor, user, notify=True)
    recompute(merged, user, notify=False)
    merge.candidate = set_pair_status(
        survivor, merged, DuplicateCandidate.Status.MERGED, user
    )
    merge.filled_fields = filled
    merge.collapsed_registrations = collapsed
    merge.merge_notes = notes
    merge.save()

    # The merged household's open pairs leave the queue with it, and its
    # other look-alikes may match the survivor now.
    record_candidates([survivor.pk])
    return merge


def submitted_slip_ids(slips: QuerySet[PurchaseSlip]) -> list[int]:
    """Return the submitted slips among ``slips``: those the reports count."""
    return list(
        slips.filter(status=PurchaseSlip.Status.SUBMITTED).values_list("pk", flat=True)
    )


def undo_merge(merge: Merge, *, user: Actor = None) -> Merge:
    """Move back exactly the rows that ``merge`` moved and restore both households.

    Fields filled in are restored unless changed since. A registration that
    the merge cancelled is registered again where the event still allows,
    else a note gives the reason. Spend and tier are recomputed without a
    message, because the undo corrects a mistake rather than a purchase.
    Raises AlreadyUndone after a double click, and MergeError when a later
    merge of the survivor must be undone first.
    """
    with transaction.atomic():
        merge = undo_locked(merge.pk, user)

    logger.info("Merge %s undone with %s notes", merge.pk, len(merge.undo_notes))
    return merge


def undo_locked(merge_id: int, user: Actor) -> Merge:
    merge = Merge.objects.select_for_update().get(pk=merge_id)
    if merge.status == Merge.Status.UNDONE:
        raise AlreadyUndone(
            _("Merge %(merge)s was already undone.") % {"merge": merge.number}
        )
    survivor, merged = lock_pair(merge.survivor_id, merge.merged_id)
    if survivor.merged_into_id is not None:
        raise MergeError(
            _(
                "Household %(survivor)s was merged into another household "
                "since: undo that merge first."
            )
            % {"survivor": survivor.number}
        )

    reason = _("Undo of merge %(merge)s") % {"merge": merge.number}
    slips = PurchaseSlip.objects.filter(
        pk__in=merge.rows.filter(
            content_type=ContentType.objects.get_for_model(PurchaseSlip)
        ).values("object_id")
    )
    submitted = submitted_slip_ids(slips)
    count_slips(submitted, sign=-1)
    notes = move_back(merge, user, reason)
    count_slips(submitted)
    notes += late_slip_notes(merge)
    restored, field_notes = restore_filled(survivor, merge.filled_fields)
    notes += field_notes
    remember_user(survivor, user, reason)
    survivor.save(update_fields=[*restored, "name_key", "address_key", "modified"])
    merged.merged_into = None
    remember_user(merged, user, reason)
    merged.save(update_fields=["merged_into", "modified"])

    for entry in merge.collapsed_registrations:
        owner = survivor if entry["side"] == "survivor" else merged
        notes.append(register_again(entry, owner, user))
    recompute(survivor, user, notify=False)
    recompute(merged, user, notify=False)
    set_pair_status(survivor, merged, DuplicateCandidate.Status.OPEN, user)

    merge.status = Merge.Status.UNDONE
    merge.undone_at = timezone.now()
    merge.undone_by_id = actor_id(user)
    merge.undo_notes = notes
    merge.save()

    record_candidates([survivor.pk, merged.pk])
    return merge


def late_slip_notes(merge: Merge) -> list[str]:
    """Note slips that the survivor got after the merge on a card that goes back."""
    card_ids = merge.rows.filter(
        content_type__app_label="card", content_type__model="card"
    ).values_list("object_id", flat=True)
    late = PurchaseSlip.objects.filter(
        member_id=merge.survivor_id,
        card_id__in=Card.objects.filter(pk__in=card_ids).values("pk"),
        created__gt=merge.created,
    ).count()
    if not late:
        return []
    return [
        _(
            "%(count)s slips were recorded on the merged household's cards after "
            "the merge; they stay with household %(survivor)s."
        )
        % {"count": late, "survivor": merge.survivor}
    ]
