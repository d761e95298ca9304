"""Find cards by number, print them in batches and move them through their life.

Every change of a card's status is a transition of the "card" workflow, so
the workflow's roles and conditions decide who may take it, its log records
who did, and simple-history keeps a row with the user and the action. A
change that also concerns a household locks the household's row first and
the card's row second, the same order that submitting a slip uses.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import IntegrityError, connection, transaction
from django.db.models import (
    ExpressionWrapper,
    F,
    PositiveBigIntegerField,
    QuerySet,
)
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext as _

from lq_crm.core.bulk import insert_rows
from lq_crm.core.scoping import visible_to
from lq_crm.doctype.card.checkdigit import (
    CheckDigitError,
    format_card_number,
    validate_card_number,
)
from lq_crm.doctype.card.models import Card, CardBatch
from lq_crm.doctype.club.models import ClubSettings
from lq_crm.doctype.member.models import Member
from lq_crm.doctype.slip.models import PurchaseSlip
from lq_crm.doctype.store.models import Store
from lq_crm.workflow.actions import register_action
from lq_crm.workflow.engine import (
    REJECTED_STATE,
    TransitionError,
    apply_transition,
    available_actions,
    check_action,
    state_labels,
)

if TYPE_CHECKING:
    from lq_crm.doctype.slip.services import LineInput

logger = logging.getLogger(__name__)

# The acting user; an anonymous or missing user leaves history without a user.
Actor = AbstractBaseUser | AnonymousUser | None

BULK_CREATE_SIZE = 1000

# Admission bases that a clerk may choose when issuing a card from stock.
# LEGACY belongs to imports of migrated cards and REPLACEMENT to replace_card.
ISSUE_BASES = {
    Card.AdmissionBasis.TRIP_PHOTO,
    Card.AdmissionBasis.PRODUCT_BOX,
    Card.AdmissionBasis.QUALIFYING_SLIP,
}


class CardError(Exception):
    """A card number that cannot be used, with what to do about it."""


def find_card(card_number: str, cards: QuerySet[Card] | None = None) -> Card:
    """Return the card with this number from ``cards``, or raise CardError.

    A number that is not on file and fails the check digit is reported as
    mistyped rather than as not found. Legacy numbers are found by the lookup
    first, so they never reach the check. Spaces inside the number are ignored
    because clerks copy the printed groups of digits.
    """
    number = "".join(card_number.split())
    queryset = cards if cards is not None else Card.objects.all()
    card = queryset.filter(card_number=number).first()
    if card is not None:
        return card

    check_card_number(number)
    raise CardError(
        _("Card %(card)s was not found: check the number on the card.")
        % {"card": number}
    )


def get_usable_card(
    card_number: str, user: Any = None, *, with_household: bool = True
) -> Card:
    """Return the issued or active card with this number, or raise CardError.

    With ``user``, only cards of households in the user's cities are found:
    a regional office records purchases for its own households, and another
    city's card reads as not found, so its existence is not disclosed.
    ``with_household`` reads the household with the card, for callers that
    use more of it than its id; a slip needs only the id.
    """
    cards: QuerySet[Card] = Card.objects.all()
    if with_household:
        cards = cards.select_related("member")
    if user is not None:
        cards = visible_to(cards, user)
    card = find_card(card_number, cards)
    check_usable(card)
    return card


def check_usable(card: Card) -> None:
    """Raise CardError unless a slip or a registration may use ``card`` now."""
    number = card.card_number
    if card.member_id is None:
        raise CardError(
            _("Card %(card)s has not been issued to a household yet.")
            % {"card": number}
        )
    if card.status == Card.Status.REPLACED and card.replaced_by is not None:
        raise CardError(
            _("Card %(card)s was replaced by card %(new)s: use the new card.")
            % {"card": number, "new": card.replaced_by.card_number}
        )
    if not card.usable:
        raise CardError(
            _("Card %(card)s is %(status)s and cannot be used.")
            % {"card": number, "status": card.get_status_display()}
        )


def check_card_number(number: str, *, legacy: bool = False) -> str:
    """Return the cleaned number, or raise CardError when its check digit fails.

    Legacy numbers were issued by an earlier system without a check digit, so
    only surrounding spaces are removed from them.
    """
    if legacy:
        return number.strip()

    try:
        return validate_card_number(number)
    except CheckDigitError as error:
        raise CardError(str(error)) from None


# Batches ----------------------------------------------------------------------


def find_overlapping_batch(batch: CardBatch) -> CardBatch | None:
    """Return a saved batch of the same prefix and width whose serials overlap."""
    last_serial = ExpressionWrapper(
        F("first_serial") + F("quantity") - 1, output_field=PositiveBigIntegerField()
    )
    return (
        CardBatch.objects.annotate(last=last_serial)
        .filter(
            prefix=batch.prefix,
            width=batch.width,
            first_serial__lte=batch.last_serial,
            last__gte=batch.first_serial,
        )
        .exclude(pk=batch.pk)
        .order_by("first_serial")
        .first()
    )


def check_batch(batch: CardBatch) -> None:
    """Raise CardError when an unsaved batch cannot be printed as given."""
    if not batch.prefix.isascii() or not batch.prefix.isdigit():
        raise CardError(
            _("Prefix %(prefix)s must contain digits only.") % {"prefix": batch.prefix}
        )
    if not 4 <= batch.width <= 16:
        raise CardError(
            _("Serial width %(width)s must be between 4 and 16 digits.")
            % {"width": batch.width}
        )
    if not 1 <= batch.quantity <= 100_000:
        raise CardError(
            _("Quantity %(quantity)s must be between 1 and 100000 cards.")
            % {"quantity": batch.quantity}
        )
    if batch.last_serial >= 10**batch.width:
        raise CardError(
            _(
                "Serial %(serial)s does not fit in %(width)s digits: lower the "
                "first serial or the quantity, or widen the serial."
            )
            % {"serial": batch.last_serial, "width": batch.width}
        )

    overlapping = find_overlapping_batch(batch)
    if overlapping is not None:
        raise CardError(
            _(
                "Serials %(first)s to %(last)s overlap batch %(batch)s, which "
                "has serials %(other_first)s to %(other_last)s with prefix "
                "%(prefix)s: start after %(other_last)s."
            )
            % {
                "first": batch.first_serial,
                "last": batch.last_serial,
                "batch": overlapping.number,
                "other_first": overlapping.first_serial,
                "other_last": overlapping.last_serial,
                "prefix": overlapping.prefix,
            }
        )

    used_number = first_used_number(batch)
    if used_number is not None:
        raise CardError(
            _(
                "Card %(card)s is already on file, and serials %(first)s to "
                "%(last)s with prefix %(prefix)s would print its number again: "
                "choose other serials."
            )
            % {
                "card": used_number,
                "first": batch.first_serial,
                "last": batch.last_serial,
                "prefix": batch.prefix,
            }
        )


def first_used_number(batch: CardBatch) -> str | None:
    """Return the lowest card number on file that the batch would print, or None.

    Cards outside any batch (migrated or demo cards) and batches of another
    prefix and width pair can hold such numbers. The batch's numbers all have
    one length, so among numbers of that length they lie between its first
    and last serial, whatever their check digits.
    """
    low = f"{batch.prefix}{batch.first_serial:0{batch.width}d}0"
    high = f"{batch.prefix}{batch.last_serial:0{batch.width}d}9"
    candidates = (
        Card.objects.annotate(number_length=Length("card_number"))
        .filter(
            card_number__gte=low,
            card_number__lte=high,
            number_length=len(low),
        )
        .order_by("card_number")
        .values_list("card_number", flat=True)
    )
    serials = slice(len(batch.prefix), -1)
    for number in candidates.iterator():
        if number.isdigit() and number == format_card_number(
            batch.prefix, int(number[serials]), batch.width
        ):
            return str(number)
    return None


def generate_batch(batch: CardBatch, user: Actor = None) -> CardBatch:
    """Save an unsaved batch and create its cards in stock, in serial order.

    The overlap check cannot see a batch that another request is saving at the
    same moment, so the unique index on the card number is what finally
    rejects a duplicate card. It also catches numbers that two different
    prefix and width pairs happen to share ("37" + "0012" and "370" + "012").
    Cards go in through ``insert_rows`` without history rows, because the
    batch's own history row records their creation. ``bench/card_batch.py``
    times the largest batch (100,000 cards) against ``bulk_create``.
    """
    check_batch(batch)
    if isinstance(user, AbstractBaseUser):
        batch.owner_id = user.pk
        batch._history_user = user  # type: ignore[attr-defined]

    try:
        with transaction.atomic():
            batch.save()
            cards = [
                Card(
                    card_number=format_card_number(batch.prefix, serial, batch.width),
                    batch=batch,
                    serial=serial,
                    owner_id=batch.owner_id,
                )
                for serial in range(batch.first_serial, batch.last_serial + 1)
            ]
            insert_rows(cards, batch_size=BULK_CREATE_SIZE)
    except IntegrityError:
        batch.pk = None
        logger.warning(
            "Card batch with prefix %s, serials %s to %s hit an existing card number",
            batch.prefix,
            batch.first_serial,
            batch.last_serial,
        )
        raise CardError(
            _(
                "Some card numbers of serials %(first)s to %(last)s with prefix "
                "%(prefix)s already exist: choose other serials."
            )
            % {
                "first": batch.first_serial,
                "last": batch.last_serial,
                "prefix": batch.prefix,
            }
        ) from None

    logger.info(
        "Card batch %s generated: %s cards, serials %s to %s",
        batch.pk,
        batch.quantity,
        batch.first_serial,
        batch.last_serial,
    )
    return batch


# Lifecycle --------------------------------------------------------------------


def save_card(card: Card, fields: Iterable[str], user: Actor, reason: str) -> None:
    """Save the changed fields; simple-history records the user and the reason.

    A status change belongs in ``transition`` instead, so that the workflow
    checks and logs it.
    """
    if isinstance(user, AbstractBaseUser):
        card._history_user = user  # type: ignore[attr-defined]
    card._change_reason = reason  # type: ignore[attr-defined]
    card.save(update_fields=[*fields, "modified"])


def lock_card(card: Card) -> Card:
    return Card.objects.select_for_update().get(pk=card.pk)


def rejected(card: Card, error: TransitionError, template: str) -> CardError:
    """Turn the workflow's rejection into a CardError.

    A rejection for the card's status uses ``template``, a whole sentence
    with ``%(card)s``, ``%(status)s`` and ``%(states)s`` (the statuses the
    action leaves from), so that translators can order its words freely.
    """
    if error.reason != REJECTED_STATE:
        return CardError(str(error))

    states = state_labels(Card, error.allowed_states)
    status = card.get_status_display()
    return CardError(
        template % {"card": card.card_number, "status": status, "states": states}
    )


def transition(
    card: Card,
    action: str,
    user: Actor,
    template: str,
    *,
    note: str = "",
    changes: Mapping[str, Any] | None = None,
) -> Card:
    """Take ``action`` on a locked card, or raise CardError with ``template``."""
    try:
        return apply_transition(card, action, user, note=note, changes=changes)
    except TransitionError as error:
        raise rejected(card, error, template) from error


def activate_card(card: Card, note: str = "") -> None:
    """Activate an issued card, as the system, when the workflow allows it now.

    Submitting a card's first slip and unblocking a card that has submitted
    slips call this. A card in any other status is left as it is.
    """
    # Most cards are active already, so the row is locked only when the
    # status as read allows the action. NOTE: a card that another request
    # moves back to issued between that read and this commit stays issued
    # until its next slip.
    if not may_activate(card):
        return

    card = lock_card(card)
    if not may_activate(card):
        return

    apply_transition(card, "activate", None, note=note)


def may_activate(card: Card) -> bool:
    return any(t.action == "activate" for t in available_actions(card, None))


def check_admission(
    member: Member, basis: str, note: str, slip: PurchaseSlip | None
) -> None:
    """Raise CardError unless the basis admits the household.

    A qualifying slip must be submitted, belong to the same household and
    reach ClubSettings.admission_amount, and may admit only one card.
    """
    if basis not in ISSUE_BASES:
        raise CardError(
            _(
                "Admission basis %(basis)s cannot be chosen when issuing a card: "
                "choose a trip photo, a product box or a qualifying slip."
            )
            % {"basis": basis}
        )
    if basis != Card.AdmissionBasis.QUALIFYING_SLIP:
        if not note.strip():
            raise CardError(
                _(
                    "The admission note is missing: describe the photo or the "
                    "product box that the household showed."
                )
            )
        return

    if slip is None:
        raise CardError(_("The qualifying slip is missing: give its number."))
    if slip.member_id != member.pk:
        raise CardError(
            _("Slip %(slip)s belongs to another household.") % {"slip": slip.number}
        )
    if slip.status != PurchaseSlip.Status.SUBMITTED:
        raise CardError(
            _(
                "Slip %(slip)s is %(status)s: only a submitted slip can admit "
                "a household."
            )
            % {"slip": slip.number, "status": slip.get_status_display()}
        )
    required = ClubSettings.load().admission_amount
    if slip.total < required:
        raise CardError(
            _(
                "Slip %(slip)s totals ¥%(total)s, which is ¥%(missing)s short of "
                "the admission amount of ¥%(required)s."
            )
            % {
                "slip": slip.number,
                "total": slip.total,
                "missing": required - slip.total,
                "required": required,
            }
        )
    if Card.objects.filter(admission_slip=slip).exists():
        raise CardError(
            _("Slip %(slip)s has already admitted a card.") % {"slip": slip.number}
        )


@dataclass(frozen=True)
class FirstPurchase:
    """The purchase that admits a new household, as the clerk keys it in."""

    store: Store
    receipt_number: str
    lines: list[LineInput]
    purchased_at: datetime | None = None
    source: str = PurchaseSlip.Source.DESK


def record_first_purchase(
    card: Card, purchase: FirstPurchase, user: Actor
) -> PurchaseSlip:
    # Imported here because the slip services import this module for the
    # card checks that every slip needs.
    from lq_crm.doctype.slip.services import SlipError, create_slip

    try:
        return create_slip(
            card=card,
            store=purchase.store,
            receipt_number=purchase.receipt_number,
            lines=purchase.lines,
            purchased_at=purchase.purchased_at,
            clerk=user,
            source=purchase.source,
            submit=True,
        )
    except SlipError as error:
        raise CardError(str(error)) from None


def issue_card(
    card: Card,
    member: Member,
    *,
    basis: str,
    note: str = "",
    slip: PurchaseSlip | None = None,
    first_purchase: FirstPurchase | None = None,
    user: Actor = None,
) -> Card:
    """Issue a card in stock to a household on the given admission basis.

    A household has at most one usable card. A household whose card is lost or
    blocked gets a new one through replace_card, which keeps the link between
    the two cards. A new household admitted by the purchase it is making now
    passes ``first_purchase`` instead of ``slip``. The purchase is recorded on
    the new card and submitted in the same transaction. If it falls short of
    the admission amount, nothing is saved.
    """
    if first_purchase is not None and basis != Card.AdmissionBasis.QUALIFYING_SLIP:
        raise CardError(
            _("Only the qualifying-slip basis admits a household by its purchase.")
        )

    with transaction.atomic():
        member = Member.objects.select_for_update().get(pk=member.pk)
        card = lock_card(card)
        current_card = member.cards.filter(
            status__in=[Card.Status.ISSUED, Card.Status.ACTIVE]
        ).first()
        if current_card is not None:
            raise CardError(
                _(
                    "Household %(member)s already holds card %(card)s: report "
                    "it lost or block it, then replace it."
                )
                % {"member": member.number, "card": current_card.card_number}
            )
        if first_purchase is None:
            check_admission(member, basis, note, slip)

        transition(
            card,
            "issue",
            user,
            _(
                "Card %(card)s is %(status)s, so it cannot be issued: only a card "
                "that is %(states)s can be issued."
            ),
            changes={
                "member": member,
                "issued_at": timezone.now(),
                "admission_basis": basis,
                "admission_note": note.strip(),
                "admission_slip": slip,
            },
        )
        if first_purchase is not None:
            slip = record_first_purchase(card, first_purchase, user)
            check_admission(member, basis, note, slip)
            card.admission_slip = slip
            save_card(card, ["admission_slip"], user, "admission slip")

    logger.info("Card %s issued to member %s (%s)", card.pk, member.pk, basis)
    return card


def report_lost(card: Card, user: Actor = None) -> Card:
    """Mark an issued or active card as reported lost, so slips reject it."""
    with transaction.atomic():
        card = transition(
            lock_card(card),
            "report_lost",
            user,
            _(
                "Card %(card)s is %(status)s, so it cannot be reported lost: only "
                "a card that is %(states)s can be reported lost."
            ),
        )

    logger.info("Card %s reported lost", card.pk)
    return card


def block_card(card: Card, user: Actor = None) -> Card:
    """Block a card in stock, in use or reported lost, so that it cannot be used."""
    with transaction.atomic():
        card = transition(
            lock_card(card),
            "block",
            user,
            _(
                "Card %(card)s is %(status)s, so it cannot be blocked: only a card "
                "that is %(states)s can be blocked."
            ),
        )

    logger.info("Card %s blocked", card.pk)
    return card


# The workflow actions that make a blocked or lost card usable again.
RESTORE_ACTIONS = ("unblock", "found", "return_to_stock")


def unblock_card(card: Card, user: Actor = None) -> Card:
    """Make a blocked card, or a lost card that turned up again, usable again.

    A lost card is found, a blocked card that was never issued returns to
    stock, and any other card is unblocked.
    """
    return restore_card(card, None, user)


def restore_action_for(card: Card) -> str:
    if card.status == Card.Status.LOST:
        return "found"
    if card.member_id is None:
        return "return_to_stock"
    return "unblock"


def restore_card(card: Card, action: str | None, user: Actor = None) -> Card:
    """Take one of RESTORE_ACTIONS, and activate a card with submitted slips.

    With ``action`` None the action fits the locked card's status. The
    workflow leads a household's card back to "issued", and the system then
    activates it if it has submitted slips, because "issued" means a card that
    has not been used yet.
    """
    with transaction.atomic():
        if card.member_id is not None:
            Member.objects.select_for_update().get(pk=card.member_id)
        card = lock_card(card)
        action = action or restore_action_for(card)
        check_household_free(card)
        card = transition(
            card,
            action,
            user,
            _(
                "Card %(card)s is %(status)s, so it cannot be unblocked: only a "
                "card that is %(states)s can be unblocked this way."
            ),
        )
        if card.slips.filter(status=PurchaseSlip.Status.SUBMITTED).exists():
            activate_card(card, note=action)

    logger.info("Card %s restored by %s to %s", card.pk, action, card.status)
    return card


def check_household_free(card: Card) -> None:
    """Raise CardError when the card's household already has a usable card."""
    if card.member_id is None:
        return

    current_card = (
        Card.objects.filter(
            member_id=card.member_id,
            status__in=[Card.Status.ISSUED, Card.Status.ACTIVE],
        )
        .exclude(pk=card.pk)
        .first()
    )
    if current_card is not None:
        raise CardError(
            _(
                "Card %(card)s cannot be unblocked: its household already holds "
                "card %(current_card)s."
            )
            % {"card": card.card_number, "current_card": current_card.card_number}
        )


def next_card_in_stock() -> Card | None:
    """Lock and return the printed card in stock with the lowest serial."""
    options: dict[str, Any] = {}
    if connection.features.has_select_for_update_skip_locked:
        # Two replacements at the same moment take different cards instead of
        # waiting for each other.
        options["skip_locked"] = True
    return (
        Card.objects.select_for_update(**options)
        .filter(status=Card.Status.IN_STOCK, legacy=False, batch__isnull=False)
        .order_by("batch_id", "serial")
        .first()
    )


def replace_card(old: Card, new: Card | None = None, user: Actor = None) -> Card:
    """Replace a lost or blocked card with a card from stock; return the new card.

    Without ``new`` the printed card in stock with the lowest serial is used.
    The household keeps its points and tier, because the ledger and the tier
    belong to the household, not to the card.
    """
    with transaction.atomic():
        if old.member_id is not None:
            Member.objects.select_for_update().get(pk=old.member_id)
        old = lock_card(old)
        replace_template = _(
            "Card %(card)s is %(status)s, so it cannot be replaced: only a card "
            "that is %(states)s can be replaced."
        )
        try:
            check_action(old, "replace", user)
        except TransitionError as error:
            raise rejected(old, error, replace_template) from error
        if old.member_id is None:
            raise CardError(
                _(
                    "Card %(card)s was never issued, so there is no household "
                    "to give a new card to."
                )
                % {"card": old.card_number}
            )

        new = lock_card(new) if new is not None else next_card_in_stock()
        if new is None:
            raise CardError(_("No card is in stock: print a new batch first."))
        transition(
            new,
            "issue",
            user,
            _(
                "Card %(card)s is %(status)s, so it cannot be given as a "
                "replacement: only a card that is %(states)s can replace another."
            ),
            note=old.card_number,
            changes={
                "member_id": old.member_id,
                "issued_at": timezone.now(),
                "admission_basis": Card.AdmissionBasis.REPLACEMENT,
                "admission_note": _("Replaces card %(card)s")
                % {"card": old.card_number},
            },
        )
        transition(
            old,
            "replace",
            user,
            replace_template,
            note=new.card_number,
            changes={"replaced_by": new},
        )

    logger.info("Card %s replaced by card %s", old.pk, new.pk)
    return new


# The functions that desk buttons and the API call for each workflow action.


def take_issue(card: Card, user: Actor, data: Mapping[str, Any]) -> Card:
    return issue_card(
        card,
        data["member"],
        basis=data["basis"],
        note=data.get("note", ""),
        slip=data.get("slip"),
        user=user,
    )


def take_report_lost(card: Card, user: Actor, data: Mapping[str, Any]) -> Card:
    return report_lost(card, user)


def take_block(card: Card, user: Actor, data: Mapping[str, Any]) -> Card:
    return block_card(card, user)


def take_replace(card: Card, user: Actor, data: Mapping[str, Any]) -> Card:
    """Replace ``card``; ``new_card_number``, if given, names the card in stock."""
    number = data.get("new_card_number", "").strip()
    new_card = None
    if number:
        cards: QuerySet[Card] = Card.objects.all()
        if user is not None:
            cards = visible_to(cards, user)
        new_card = find_card(number, cards)
    return replace_card(card, new_card, user)


def restore_handler(action: str) -> Any:
    def take_restore(card: Card, user: Actor, data: Mapping[str, Any]) -> Card:
        return restore_card(card, action, user)

    return take_restore


register_action(Card, "issue", take_issue)
register_action(Card, "report_lost", take_report_lost)
register_action(Card, "block", take_block)
register_action(Card, "replace", take_replace)
for restore_action in RESTORE_ACTIONS:
    register_action(Card, restore_action, restore_handler(restore_action))
