"""Create, submit, cancel and amend purchase slips, with every effect they have.

Submitting and cancelling lock the household's row first and the slip's row
second (the workflow engine locks the slip). Two clerks working on one card
at the same moment therefore take turns. Submitting adds the slip's
qualifying spend to the household's total with one UPDATE under that lock,
and cancelling recounts the total from the submitted lines. Every change of
a slip's status is a transition of the "purchase_slip" workflow, so the
workflow's roles and conditions decide who may take it, and its log records
who did.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, cast

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from lq_crm.core.transactions import atomic_with_retry
from lq_crm.core.users import Actor, actor_id
from lq_crm.doctype.card.models import Card
from lq_crm.doctype.card.services import CardError, activate_card, check_usable
from lq_crm.doctype.club.models import ClubSettings
from lq_crm.doctype.club.reference import club_settings
from lq_crm.doctype.member.models import Member
from lq_crm.doctype.points.models import PointsLedgerEntry
from lq_crm.doctype.product.models import Product, ProductCategory
from lq_crm.doctype.slip.models import PurchaseSlip, PurchaseSlipLine
from lq_crm.doctype.store.models import Store
from lq_crm.doctype.tier.models import TierChange
from lq_crm.doctype.tier.services import apply_tier
from lq_crm.reports.aggregates import count_slips
from lq_crm.workflow.actions import register_action
from lq_crm.workflow.engine import (
    REJECTED_STATE,
    TransitionError,
    apply_transition,
    state_labels,
)

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")
ROUNDING_MODES: dict[str, str] = {
    ClubSettings.Rounding.DOWN: ROUND_FLOOR,
    ClubSettings.Rounding.HALF_UP: ROUND_HALF_UP,
}


class SlipError(Exception):
    """A slip that cannot be created or moved, with what to do about it."""


def rejected(slip: PurchaseSlip, error: TransitionError, template: str) -> SlipError:
    """Turn the workflow's rejection into a SlipError.

    A rejection for the slip's state uses ``template``, a whole sentence with
    ``%(slip)s``, ``%(status)s`` and ``%(states)s`` (the states the action
    leaves from), so that translators can order its words freely. The status
    is the one the engine read under its lock, which ``slip`` may predate.
    """
    if error.reason != REJECTED_STATE:
        return SlipError(str(error))

    states = state_labels(PurchaseSlip, error.allowed_states)
    status = state_labels(PurchaseSlip, frozenset([error.from_state]))
    return SlipError(
        template % {"slip": slip.number, "status": status, "states": states}
    )


class DuplicateReceiptError(SlipError):
    def __init__(self, existing: PurchaseSlip) -> None:
        self.existing = existing
        super().__init__(
            _(
                "Receipt %(receipt)s of store %(store)s is already recorded as "
                "slip %(slip)s (%(status)s)."
            )
            % {
                "receipt": existing.receipt_number,
                "store": existing.store.code,
                "slip": existing.number,
                "status": existing.get_status_display(),
            }
        )


@dataclass(frozen=True)
class LineInput:
    category: ProductCategory
    amount: Decimal
    product: Product | None = None
    quantity: int = 1


# The largest value of a points column (a signed 32-bit integer on MariaDB).
MAX_POINTS = 2_147_483_647


def line_points(amount: Decimal, rate: Decimal, rounding: str) -> int:
    """Return the whole points that ``amount`` yuan earn at ``rate`` points per yuan.

    Raises SlipError for an amount whose points cannot be stored, which only
    a mistyped amount reaches.
    """
    points = int(
        (amount * rate).quantize(Decimal(1), rounding=ROUNDING_MODES[rounding])
    )
    if points > MAX_POINTS:
        raise SlipError(
            _(
                "Amount %(amount)s earns more points than can be stored: check "
                "the amount."
            )
            % {"amount": amount}
        )

    return points


def clean_amount(value: Decimal | str) -> Decimal:
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError):
        raise SlipError(
            _("Amount %(value)r is not a number.") % {"value": value}
        ) from None
    if not amount.is_finite():
        raise SlipError(_("Amount %(value)r is not a number.") % {"value": value})
    if amount < 0:
        raise SlipError(
            _(
                "Amount %(amount)s is negative: cancel the original slip "
                "to record a return."
            )
            % {"amount": amount}
        )
    if amount != amount.quantize(CENT):
        raise SlipError(
            _("Amount %(amount)s has more than two decimal places.")
            % {"amount": amount}
        )

    return amount.quantize(CENT)


def find_live_slip(store: Store, receipt_number: str) -> PurchaseSlip | None:
    return (
        PurchaseSlip.objects.select_related("store")
        .filter(store=store, receipt_key=receipt_number)
        .first()
    )


def create_slip(
    *,
    card: Card,
    store: Store,
    receipt_number: str,
    lines: list[LineInput],
    purchased_at: datetime | None = None,
    clerk: Actor = None,
    source: str = PurchaseSlip.Source.DESK,
    amended_from: PurchaseSlip | None = None,
    custom: dict[str, Any] | None = None,
    submit: bool = False,
) -> PurchaseSlip:
    """Create a draft slip, or with ``submit`` a submitted one, in one transaction.

    A receipt already recorded for the store is rejected. ``submit`` leaves no
    draft behind and writes one history row, the submitted slip.
    """
    receipt_number = receipt_number.strip()
    if not receipt_number:
        raise SlipError(
            _("The receipt number is missing: copy it from the store's receipt.")
        )
    if not lines:
        raise SlipError(_("A slip needs at least one line."))
    try:
        check_usable(card)
    except CardError as error:
        raise SlipError(str(error)) from None
    amounts = [clean_amount(line.amount) for line in lines]
    moment = purchased_at or timezone.now()

    def build() -> tuple[PurchaseSlip, list[PurchaseSlipLine]]:
        slip = PurchaseSlip(
            card=card,
            # check_usable rejected a card that belongs to no household.
            member_id=cast(int, card.member_id),
            store=store,
            receipt_number=receipt_number,
            receipt_key=receipt_number,
            purchased_at=moment,
            clerk_id=actor_id(clerk),
            owner_id=actor_id(clerk),
            source=source,
            total=sum(amounts, Decimal("0.00")),
            amended_from=amended_from,
            custom=custom or {},
        )
        rows = [
            PurchaseSlipLine(
                slip=slip,
                category=line.category,
                product=line.product,
                quantity=line.quantity,
                amount=amount,
            )
            for line, amount in zip(lines, amounts, strict=True)
        ]
        return slip, rows

    if not submit:
        slip, rows = build()
        insert_slip(slip, rows)
        return slip

    return atomic_with_retry(
        lambda: insert_and_submit(*build(), clerk), "Slip submission"
    )


def insert_and_submit(
    slip: PurchaseSlip, rows: list[PurchaseSlipLine], user: Actor
) -> PurchaseSlip:
    """Insert a new slip and submit it, in the caller's transaction.

    The household is locked before the slip is inserted. The insert takes a
    shared lock on the household's row to check the foreign key, and two
    slips for one card that both held it and then asked for the exclusive
    lock would deadlock.
    """
    member = Member.objects.select_for_update().get(pk=slip.member_id)
    earn_points(rows)
    # The submission's history row records the whole slip.
    slip.skip_history_when_saving = True  # type: ignore[attr-defined]
    try:
        insert_slip(slip, rows)
    finally:
        del slip.skip_history_when_saving  # type: ignore[attr-defined]
    transition_and_record(slip, member, rows, user, inserted=True)
    return slip


def insert_slip(slip: PurchaseSlip, rows: list[PurchaseSlipLine]) -> None:
    """Insert the slip and its lines, or raise DuplicateReceiptError."""
    try:
        with transaction.atomic():
            slip.save()
            PurchaseSlipLine.objects.bulk_create(rows)
    except IntegrityError:
        # The unique index on (store, receipt_key) rejects a receipt that is
        # already recorded, whether long ago or by a request running now.
        slip.pk = None
        existing = find_live_slip(slip.store, slip.receipt_number)
        if existing is None:
            raise
        raise DuplicateReceiptError(existing) from None

    remember_lines(slip, rows)


def remember_lines(slip: PurchaseSlip, rows: list[PurchaseSlipLine]) -> None:
    """Let ``slip.lines.all()`` return the lines just inserted without a query.

    This fills the cache that ``prefetch_related("lines")`` fills.
    """
    lines = slip.lines.all()
    lines._result_cache = rows
    lines._prefetch_done = True  # type: ignore[attr-defined]
    slip._prefetched_objects_cache = {"lines": lines}  # type: ignore[attr-defined]


def lines_with_categories(slip: PurchaseSlip) -> list[PurchaseSlipLine]:
    """Return the slip's lines with their categories, from memory when known."""
    if "lines" in getattr(slip, "_prefetched_objects_cache", {}):
        return list(slip.lines.all())

    return list(slip.lines.select_related("category"))


def add_spend(member: Member, lines: list[PurchaseSlipLine]) -> Decimal:
    """Add the qualifying lines' amounts to the household's qualifying spend.

    The caller holds the member row locked, so the in-memory total plus the
    amount equals what the UPDATE stores. No history row is written, because
    the slip's own history records the purchase.
    """
    amount = sum(
        (line.amount for line in lines if line.category.qualifying), Decimal("0.00")
    )
    if amount:
        Member.objects.filter(pk=member.pk).update(
            qualifying_spend=F("qualifying_spend") + amount, modified=timezone.now()
        )
        member.qualifying_spend += amount
    return member.qualifying_spend


def recompute_spend(member: Member) -> Decimal:
    """Store the household's qualifying spend: its submitted slips' qualifying lines.

    Cancelling a slip uses this recount, and so can a check of the totals.
    """
    total = PurchaseSlipLine.objects.filter(
        slip__member=member,
        slip__status=PurchaseSlip.Status.SUBMITTED,
        category__qualifying=True,
    ).aggregate(total=Sum("amount"))["total"]
    member.qualifying_spend = total or Decimal("0.00")
    member.save(update_fields=["qualifying_spend", "modified"])
    return member.qualifying_spend


def lock_for_change(slip: PurchaseSlip) -> tuple[Member, PurchaseSlip]:
    """Lock the household, then the slip, always in that order."""
    member = Member.objects.select_for_update().get(pk=slip.member_id)
    locked = PurchaseSlip.objects.select_for_update().get(pk=slip.pk)
    return member, locked


def submit_slip(slip: PurchaseSlip, user: Actor = None) -> PurchaseSlip:
    """Submit a draft: earn its points, add its spend, move the tier if reached.

    The household's row is locked first. apply_transition then locks the
    slip's row and rejects a slip that is no longer a draft. A rejected
    transition has written nothing, so the caller's transaction stays usable.
    """

    def submit() -> PurchaseSlip:
        member = Member.objects.select_for_update().get(pk=slip.member_id)
        lines = lines_with_categories(slip)
        earn_points(lines)
        transition_and_record(slip, member, lines, user)
        return slip

    return atomic_with_retry(submit, "Slip submission")


def transition_and_record(
    slip: PurchaseSlip,
    member: Member,
    lines: list[PurchaseSlipLine],
    user: Actor,
    *,
    inserted: bool = False,
) -> None:
    """Take the "submit" transition and write what it earns.

    The caller holds the household's row locked and has set the points of
    ``lines``, the slip's lines. ``inserted`` means that this transaction
    inserted the slip with its lines, so the slip's row is locked and
    current, and the lines' points are stored.
    """
    try:
        apply_transition(
            slip,
            "submit",
            user,
            changes={"submitted_at": timezone.now()},
            locked=inserted,
        )
    except TransitionError as error:
        raise rejected(
            slip,
            error,
            _(
                "Slip %(slip)s is %(status)s: only a slip that is %(states)s "
                "can be submitted."
            ),
        ) from error

    if not inserted:
        PurchaseSlipLine.objects.bulk_update(lines, ["points"])
    record_submission(slip, member, lines, user)


def earn_points(lines: list[PurchaseSlipLine]) -> None:
    """Set each line's points from its amount and its category's rate."""
    rounding = club_settings().points_rounding
    for line in lines:
        line.points = line_points(line.amount, line.category.point_rate, rounding)


def record_submission(
    slip: PurchaseSlip, member: Member, lines: list[PurchaseSlipLine], user: Actor
) -> None:
    """Write what submitting ``slip`` earns, with the household's row locked."""
    PointsLedgerEntry.objects.bulk_create(
        PointsLedgerEntry(
            key=f"earn:{line.pk}",
            member=member,
            card_id=slip.card_id,
            slip=slip,
            slip_line=line,
            kind=PointsLedgerEntry.Kind.EARN,
            points=line.points,
        )
        for line in lines
    )

    activate_card(slip.card, note=slip.number)
    add_spend(member, lines)
    apply_tier(member, cause=TierChange.Cause.SLIP_SUBMITTED, slip=slip, user=user)
    # Last, because every slip of one store and month updates the same
    # aggregate rows, and their row locks are held until the commit.
    count_slips([slip.pk])
    logger.info(
        "Slip %s submitted: %s lines, total %s", slip.pk, len(lines), slip.total
    )


def cancel_slip(
    slip: PurchaseSlip, user: Actor = None, reason: str = ""
) -> PurchaseSlip:
    """Cancel a submitted slip and reverse exactly what submitting it did."""
    cancelled = atomic_with_retry(
        lambda: cancel_locked(slip, user, reason), "Slip cancellation"
    )
    logger.info("Slip %s cancelled", cancelled.pk)
    return cancelled


def cancel_locked(slip: PurchaseSlip, user: Actor, reason: str) -> PurchaseSlip:
    """Lock the household and the slip, then cancel it in the caller's transaction."""
    member, slip = lock_for_change(slip)
    try:
        apply_transition(
            slip,
            "cancel",
            user,
            note=reason,
            changes={
                "cancelled_at": timezone.now(),
                "cancel_reason": reason,
                "receipt_key": None,
            },
        )
    except TransitionError as error:
        raise rejected(
            slip,
            error,
            _(
                "Slip %(slip)s is %(status)s: only a slip that is %(states)s "
                "can be cancelled."
            ),
        ) from error

    earned = list(
        PointsLedgerEntry.objects.filter(slip=slip, kind=PointsLedgerEntry.Kind.EARN)
    )
    PointsLedgerEntry.objects.bulk_create(
        PointsLedgerEntry(
            key=f"reverse:{entry.slip_line_id}",
            member=member,
            card_id=entry.card_id,
            slip=slip,
            slip_line_id=entry.slip_line_id,
            kind=PointsLedgerEntry.Kind.REVERSE,
            points=-entry.points,
        )
        for entry in earned
    )

    recompute_spend(member)
    apply_tier(member, cause=TierChange.Cause.SLIP_CANCELLED, slip=slip, user=user)
    # Last, in the same order as submit_slip, so that the two take the
    # aggregate and household count rows in the same order.
    count_slips([slip.pk], sign=-1)
    return slip


def amend_slip(slip: PurchaseSlip, user: Actor = None) -> PurchaseSlip:
    """Copy a cancelled slip into a new draft that can be corrected and submitted.

    The cancelled slip keeps its state. The workflow's "amend" action decides
    who may amend, and its log records who did.
    """
    with transaction.atomic():
        slip = PurchaseSlip.objects.select_for_update().get(pk=slip.pk)
        try:
            apply_transition(slip, "amend", user)
        except TransitionError as error:
            raise rejected(
                slip,
                error,
                _(
                    "Slip %(slip)s is %(status)s: only a slip that is %(states)s "
                    "can be amended; cancel it first."
                ),
            ) from error
        if PurchaseSlip.objects.filter(amended_from=slip).exists():
            raise SlipError(
                _("Slip %(slip)s has already been amended.") % {"slip": slip.number}
            )

        return create_slip(
            card=slip.card,
            store=slip.store,
            receipt_number=slip.receipt_number,
            lines=copy_lines(slip),
            purchased_at=slip.purchased_at,
            clerk=user,
            source=slip.source,
            amended_from=slip,
            custom=slip.custom,
        )


def copy_lines(slip: PurchaseSlip) -> list[LineInput]:
    return [
        LineInput(
            category=line.category,
            amount=line.amount,
            product=line.product,
            quantity=line.quantity,
        )
        for line in slip.lines.select_related("category", "product")
    ]


# The functions that desk buttons and the API call for each workflow action.


def take_submit(
    slip: PurchaseSlip, user: Actor, data: Mapping[str, Any]
) -> PurchaseSlip:
    return submit_slip(slip, user)


def take_cancel(
    slip: PurchaseSlip, user: Actor, data: Mapping[str, Any]
) -> PurchaseSlip:
    return cancel_slip(slip, user, data.get("reason", ""))


def take_amend(
    slip: PurchaseSlip, user: Actor, data: Mapping[str, Any]
) -> PurchaseSlip:
    return amend_slip(slip, user)


register_action(PurchaseSlip, "submit", take_submit)
register_action(PurchaseSlip, "cancel", take_cancel)
register_action(PurchaseSlip, "amend", take_amend)
