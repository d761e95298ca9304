"""Register households for events, hand out seats and run the waiting list.

Lock order: the departure row first, then registration rows, except that
a new registration locks its own uncommitted row, which no other transaction
can see, before the departure. ``seats_taken`` only moves by a conditional
UPDATE, so a departure never confirms more seats than its capacity, whatever
runs at the same time. A registration reads and checks everything before its
transaction, and takes the departure's row lock as late as it can (see
``allocate``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from lq_crm.core.users import Actor, actor_id
from lq_crm.doctype.card.models import Card
from lq_crm.doctype.event.eligibility import (
    EligibilityBasis,
    RegistrationError,
    check_eligibility,
    is_eligible,
)
from lq_crm.doctype.event.fees import FeeQuote, quote_fee
from lq_crm.doctype.event.models import (
    Departure,
    Event,
    Registration,
    RegistrationPerson,
)
from lq_crm.doctype.event.notifications import notify_registration
from lq_crm.doctype.event.transitions import TransitionRejected, move
from lq_crm.doctype.member.models import HouseholdPerson, Member

logger = logging.getLogger(__name__)

# A cancellation re-reads the departure when a lottery draw moved the
# registration between the read and the lock; more retries mean a bug.
CANCEL_ATTEMPTS = 3


class NotEnoughSeatsError(RegistrationError):
    """Fewer seats remain than the registration requests, but more than none."""

    def __init__(self, departure: Departure, seats_left: int, seats: int) -> None:
        self.seats_left = seats_left
        super().__init__(
            _(
                "Only %(left)s seats remain on %(departure)s but %(seats)s "
                "were requested: register fewer persons, or put the "
                "registration on the waiting list."
            )
            % {"left": seats_left, "departure": departure.name, "seats": seats}
        )


@dataclass(frozen=True)
class PersonInput:
    """A person to register: a household person on file, or a name."""

    name: str = ""
    person: HouseholdPerson | None = None


# Seats ------------------------------------------------------------------------


def take_seats(departure_id: int, seats: int) -> bool:
    """Add ``seats`` to the departure's seats taken if they fit; return whether."""
    updated = (
        Departure.objects.filter(pk=departure_id)
        .alias(after=F("seats_taken") + seats)
        .filter(after__lte=F("capacity"))
        .update(seats_taken=F("seats_taken") + seats)
    )
    return updated == 1


def release_seats(departure_id: int, seats: int) -> None:
    updated = Departure.objects.filter(pk=departure_id, seats_taken__gte=seats).update(
        seats_taken=F("seats_taken") - seats
    )
    if updated != 1:
        # The counter is lower than the confirmed seats it should contain.
        logger.error("Departure %s: cannot release %s seats", departure_id, seats)


def lock_departure(departure_id: int) -> Departure:
    return Departure.objects.select_for_update().get(pk=departure_id)


def next_waitlist_position(departure_id: int) -> int:
    """Return the position after the departure's last; call with it locked."""
    last = Registration.objects.filter(departure_id=departure_id).aggregate(
        last=Max("waitlist_position")
    )["last"]
    return (last or 0) + 1


def ensure_default_departure(event: Event) -> list[Departure]:
    """Return the event's departures, creating one with the event's capacity if none."""
    departures = list(event.departures.all())
    if departures:
        return departures

    with transaction.atomic():
        Event.objects.select_for_update().get(pk=event.pk)
        # Read again under the lock, and from the table rather than from
        # ``event.departures``, which may be an empty prefetched list.
        departures = list(Departure.objects.filter(event=event))
        if not departures:
            departures = [
                Departure.objects.create(
                    event=event, name=event.title[:100], capacity=event.capacity
                )
            ]
    return departures


def choose_departure(
    event: Event, departure: Departure | None, seats: int
) -> Departure:
    """Return the requested departure, else the first with room, else the first."""
    departures = ensure_default_departure(event)
    if departure is not None:
        if departure.event_id != event.pk:
            raise RegistrationError(
                _("Departure %(departure)s does not belong to event %(event)s.")
                % {"departure": departure.name, "event": event.number}
            )
        return departure

    for candidate in departures:
        if candidate.seats_left >= seats:
            return candidate
    return departures[0]


# Registering ------------------------------------------------------------------


def check_window(event: Event) -> None:
    now = timezone.now()
    if event.status != Event.Status.OPEN:
        raise RegistrationError(
            _("Event %(event)s is %(status)s: registration is not open.")
            % {"event": event.number, "status": event.get_status_display()}
        )
    if not event.registration_opens_at <= now < event.registration_closes_at:
        raise RegistrationError(
            _("Registration for %(event)s is open from %(opens)s to %(closes)s.")
            % {
                "event": event.number,
                "opens": timezone.localtime(event.registration_opens_at),
                "closes": timezone.localtime(event.registration_closes_at),
            }
        )


def clean_persons(
    event: Event, member: Member, persons: list[PersonInput]
) -> list[PersonInput]:
    """Return the persons with names filled in, or raise RegistrationError."""
    if not persons:
        raise RegistrationError(_("Name at least one person who comes."))
    if len(persons) > event.household_seat_limit:
        raise RegistrationError(
            _("A household may register at most %(limit)s persons, not %(count)s.")
            % {"limit": event.household_seat_limit, "count": len(persons)}
        )

    cleaned: list[PersonInput] = []
    seen: set[int] = set()
    for entry in persons:
        person = entry.person
        if person is not None and person.member_id != member.pk:
            raise RegistrationError(
                _("%(name)s is not a person of household %(member)s.")
                % {"name": person.name, "member": member.number}
            )
        if person is not None and person.pk in seen:
            raise RegistrationError(
                _("%(name)s is listed twice.") % {"name": person.name}
            )
        name = (entry.name or (person.name if person else "")).strip()
        if not name:
            raise RegistrationError(_("Every person needs a name."))
        if person is not None:
            seen.add(person.pk)
        cleaned.append(PersonInput(name=name, person=person))
    return cleaned


def find_live_registration(event: Event, member: Member) -> Registration | None:
    return Registration.objects.filter(event=event, member_key=member.pk).first()


def find_submission(submission_key: str) -> Registration | None:
    """Return the registration that a form with this key already made, if any."""
    if not submission_key:
        return None

    return Registration.objects.filter(submission_key=submission_key).first()


def household_id(card: Card) -> int:
    """Return the id of the card's household, or raise when the card is unusable."""
    if card.member_id is None or not card.usable:
        raise RegistrationError(
            _("Card %(card)s cannot be used (%(status)s).")
            % {"card": card.card_number, "status": card.get_status_display()}
        )

    return card.member_id


def register(
    event: Event,
    card: Card,
    persons: list[PersonInput],
    *,
    departure: Departure | None = None,
    user: Actor = None,
    waitlist_rest: bool = False,
    note: str = "",
    submission_key: str = "",
) -> Registration:
    """Register the card's household; confirm or waitlist it at once in first-come.

    When fewer seats remain than persons, NotEnoughSeatsError reports how many
    remain, unless ``waitlist_rest`` puts the whole registration on the
    waiting list. Lottery registrations stay "registered" until the draw.
    A repeated ``submission_key`` returns the registration made the first
    time instead of an error, so a form submitted twice registers once.
    """
    previous = find_submission(submission_key)
    if previous is not None:
        return previous

    request = RegistrationRequest(
        event, card, persons, departure, user, waitlist_rest, note, submission_key
    )
    try:
        return register_once(request)
    except RegistrationError:
        # The same form's first submit may have committed while this one
        # waited for the departure or the household's unique index.
        previous = find_submission(submission_key)
        if previous is None:
            raise
        logger.info(
            "Registration %s returned again for a repeated form submission", previous.pk
        )
        return previous


@dataclass(frozen=True)
class RegistrationRequest:
    """The arguments of one call of ``register``."""

    event: Event
    card: Card
    persons: list[PersonInput]
    departure: Departure | None
    user: Actor
    waitlist_rest: bool
    note: str
    submission_key: str


def register_once(request: RegistrationRequest) -> Registration:
    """Register, or report that the household is already registered.

    The household's live registration is looked up only after a failure,
    because the unique index of (event, member_key) rejects the second one
    anyway, and that message helps the caller more than the failed rule's.
    """
    try:
        return check_and_write(request)
    except (IntegrityError, RegistrationError):
        existing = None
        if request.card.member_id is not None:
            existing = Registration.objects.filter(
                event=request.event, member_key=request.card.member_id
            ).first()
        if existing is None:
            raise
        raise already_registered(existing) from None


def check_and_write(request: RegistrationRequest) -> Registration:
    """Check, then write the registration in one short transaction.

    Every read and check runs before the transaction. A second live
    registration of the household fails on the unique index of
    (event, member_key) at the insert, before any seat is taken.
    """
    event = request.event
    check_window(event)
    member_id = household_id(request.card)
    member = Member.objects.select_related("tier").get(pk=member_id)
    persons = clean_persons(event, member, request.persons)
    basis = check_eligibility(member, event)
    fee = quote_fee(event, member, len(persons))

    seats = len(persons)
    first_come = event.allocation_mode == Event.AllocationMode.FIRST_COME
    departure = request.departure
    if first_come or departure is not None:
        departure = choose_departure(event, departure, seats)
    # A first-come registration is inserted without its departure, and the
    # departure is set once the seats are decided (see allocate).
    allocating = first_come and departure is not None
    draft = new_registration(
        request, member, None if allocating else departure, persons, basis, fee
    )
    with transaction.atomic():
        registration = save_registration(draft, persons)
        if departure is not None and allocating:
            registration = allocate(
                registration, departure, request.user, request.waitlist_rest
            )

    logger.info(
        "Registration %s for event %s: %s seats, %s",
        registration.pk,
        event.pk,
        seats,
        registration.status,
    )
    return registration


def already_registered(existing: Registration) -> RegistrationError:
    return RegistrationError(
        _("The household is already registered as %(number)s (%(status)s).")
        % {"number": existing.number, "status": existing.get_status_display()}
    )


@dataclass(frozen=True)
class Seating:
    """The seat decision for a new registration: confirmed, or its place in line."""

    confirmed: bool
    waitlist_position: int | None = None


def decide_seats(departure: Departure, seats: int, waitlist_rest: bool) -> Seating:
    """Take the seats if they fit, else return the next waiting list position.

    Call it inside the registration's transaction. ``departure`` may be
    stale: it only decides whether the conditional UPDATE is worth trying.
    When the seats do not fit, the row is locked and read again, so the
    refusal and the position rest on the committed count.
    """
    if departure.seats_left >= seats and take_seats(departure.pk, seats):
        return Seating(confirmed=True)

    locked = lock_departure(departure.pk)
    if locked.seats_left >= seats and take_seats(locked.pk, seats):
        return Seating(confirmed=True)
    if locked.seats_left > 0 and not waitlist_rest:
        raise NotEnoughSeatsError(locked, locked.seats_left, seats)

    return Seating(confirmed=False, waitlist_position=next_waitlist_position(locked.pk))


def new_registration(
    request: RegistrationRequest,
    member: Member,
    departure: Departure | None,
    persons: list[PersonInput],
    basis: EligibilityBasis,
    fee: FeeQuote,
) -> Registration:
    """Build the unsaved registration in its initial state."""
    return Registration(
        event=request.event,
        departure=departure,
        member=member,
        member_key=member.pk,
        card=request.card,
        seats=len(persons),
        eligible_spend=basis.spend,
        spend_since=basis.since,
        spend_until=basis.until,
        eligibility_rule=basis.rule[:200],
        fee_due=fee.total,
        fee_tier=fee.tier,
        fee_percent=fee.percent,
        owner_id=actor_id(request.user),
        note=request.note,
        submission_key=request.submission_key or None,
    )


def save_registration(
    registration: Registration, persons: list[PersonInput]
) -> Registration:
    registration.save(force_insert=True)
    RegistrationPerson.objects.bulk_create(
        RegistrationPerson(
            registration=registration, person=entry.person, name=entry.name
        )
        for entry in persons
    )
    return registration


def allocate(
    registration: Registration, departure: Departure, user: Actor, waitlist_rest: bool
) -> Registration:
    """Confirm or waitlist a new first-come registration and notify the household.

    The departure row stays locked from the seat decision to the commit.
    Inserting a row that refers to the departure takes a shared lock on it,
    and two transactions holding that shared lock that both update the
    departure deadlock each other. So the caller inserts the registration
    without its departure, and the workflow transition that ``departure``
    (read before the transaction) predicts is applied before the lock. A
    wrong prediction is rolled back to a savepoint and the other transition
    taken. The confirmation message is queued before the lock as well.
    Under the lock remain the seat UPDATE or the locked read with the
    waiting list position, and the departure and position on the
    registration. A waiting list message contains the position, so its
    outbox row is written under the lock too.
    """
    seats = registration.seats
    expect_seats = departure.seats_left >= seats
    # The message needs the departure, which is saved on the row later.
    registration.departure = departure
    guess = transaction.savepoint()
    registration = apply_action(
        registration, "confirm" if expect_seats else "waitlist", user
    )
    if expect_seats:
        notify_registration(registration, "confirmed")

    seating = decide_seats(departure, seats, waitlist_rest)
    if seating.confirmed == expect_seats:
        transaction.savepoint_commit(guess)
    else:
        # Rolling back the savepoint undoes the guessed transition, its
        # message with its job hook, and the seat decision too, so the seats
        # are decided again.
        transaction.savepoint_rollback(guess)
        registration.refresh_from_db(fields=["status", "modified"])
        seating = decide_seats(departure, seats, waitlist_rest)
        registration = apply_action(
            registration, "confirm" if seating.confirmed else "waitlist", user
        )

    registration.waitlist_position = seating.waitlist_position
    registration.save(update_fields=["departure", "waitlist_position", "modified"])
    # TODO: a waiting list registration keeps the departure locked through
    # this outbox row, 11 statements from lock to commit, and most
    # registrations of a full trip take this path. Shorter needs positions
    # from a counter and promotion that allows for uncommitted waiting rows.
    if not (expect_seats and seating.confirmed):
        notify_registration(
            registration, "confirmed" if seating.confirmed else "waitlisted"
        )
    return registration


def apply_action(registration: Registration, action: str, user: Actor) -> Registration:
    """Apply ``action`` through the workflow; a rejection is a RegistrationError."""
    try:
        return move(registration, action, user)
    except TransitionRejected as error:
        raise RegistrationError(str(error)) from error


# Cancelling and promoting ------------------------------------------------------


def cancel_registration(
    registration: Registration, user: Actor = None, reason: str = ""
) -> Registration:
    """Cancel a registration; a confirmed one frees its seats for the waiting list."""
    for _attempt in range(CANCEL_ATTEMPTS):
        departure_id = (
            Registration.objects.filter(pk=registration.pk)
            .values_list("departure_id", flat=True)
            .get()
        )
        with transaction.atomic():
            if departure_id is not None:
                lock_departure(departure_id)
            locked = Registration.objects.select_for_update().get(pk=registration.pk)
            if locked.departure_id != departure_id:
                continue
            result, promoted = cancel_locked(locked, user, reason)
            for promoted_registration in promoted:
                notify_registration(promoted_registration, "promoted")

        logger.info("Registration %s cancelled; %s promoted", result.pk, len(promoted))
        return result

    raise RegistrationError(
        _("Registration %(number)s kept changing: try again.")
        % {"number": registration.number}
    )


def cancel_locked(
    registration: Registration, user: Actor, reason: str
) -> tuple[Registration, list[Registration]]:
    was_confirmed = registration.status == Registration.Status.CONFIRMED
    registration = apply_action(registration, "cancel", user)
    registration.member_key = None
    registration.waitlist_position = None
    registration.cancelled_at = timezone.now()
    if reason:
        registration.note = reason[:200]
    registration.save(
        update_fields=[
            "member_key",
            "waitlist_position",
            "cancelled_at",
            "note",
            "modified",
        ]
    )

    promoted: list[Registration] = []
    if was_confirmed and registration.departure_id is not None:
        release_seats(registration.departure_id, registration.seats)
        promoted = promote_waitlist(registration.departure_id, user)
    return registration, promoted


def promote_waitlist(departure_id: int, user: Actor) -> list[Registration]:
    """Confirm waitlisted registrations in order while seats remain.

    The caller holds the departure locked. Entries whose household is no
    longer eligible, or whose persons do not fit the seats left, are
    skipped and keep their place.
    """
    promoted: list[Registration] = []
    waiting = (
        Registration.objects.select_related("event", "member__tier", "departure")
        .filter(departure_id=departure_id, status=Registration.Status.WAITLISTED)
        .order_by("waitlist_position", "pk")
    )
    for candidate in waiting:
        departure = Departure.objects.get(pk=departure_id)
        if departure.seats_left == 0:
            break
        if candidate.seats > departure.seats_left:
            continue
        if not is_eligible(candidate.member, candidate.event):
            logger.info("Registration %s skipped: no longer eligible", candidate.pk)
            continue

        if not take_seats(departure_id, candidate.seats):
            continue
        candidate = apply_action(candidate, "promote", user)
        candidate.waitlist_position = None
        candidate.save(update_fields=["waitlist_position", "modified"])
        promoted.append(candidate)
    return promoted
