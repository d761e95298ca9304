"""Register households for events, hand out seats and run the waiting list.

Lock order: the departure row first, then registration rows. Every change of
seats happens in a transaction that holds the departure locked, and
``seats_taken`` itself only moves by a conditional UPDATE, so a departure
never confirms more seats than its capacity, whatever runs at the same time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

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

CENT = Decimal("0.01")
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
        departures = list(event.departures.all())
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


def fee_for(event: Event, member: Member, seats: int) -> Decimal:
    tier_code = member.tier.code if member.tier else None
    fee = event.fee_per_person * seats * event.fee_share(tier_code)
    return fee.quantize(CENT, rounding=ROUND_HALF_UP)


def find_live_registration(event: Event, member: Member) -> Registration | None:
    return Registration.objects.filter(event=event, member_key=member.pk).first()


def register(
    event: Event,
    card: Card,
    persons: list[PersonInput],
    *,
    departure: Departure | None = None,
    user: Actor = None,
    waitlist_rest: bool = False,
    note: str = "",
) -> Registration:
    """Register the card's household; confirm or waitlist it at once in first-come.

    When fewer seats remain than persons, NotEnoughSeatsError reports how many
    remain, unless ``waitlist_rest`` puts the whole registration on the
    waiting list. Lottery registrations stay "registered" until the draw.
    """
    check_window(event)
    if card.member_id is None or not card.usable:
        raise RegistrationError(
            _("Card %(card)s cannot be used (%(status)s).")
            % {"card": card.card_number, "status": card.get_status_display()}
        )
    member = Member.objects.select_related("tier", "city").get(pk=card.member_id)
    persons = clean_persons(event, member, persons)
    existing = find_live_registration(event, member)
    if existing is not None:
        raise already_registered(existing)
    basis = check_eligibility(member, event)

    seats = len(persons)
    first_come = event.allocation_mode == Event.AllocationMode.FIRST_COME
    if first_come or departure is not None:
        departure = choose_departure(event, departure, seats)
    try:
        with transaction.atomic():
            # Lock the departure before inserting: the insert's foreign key
            # check takes a shared lock on the departure row, and two inserts
            # that both upgrade that lock afterwards deadlock each other.
            if departure is not None:
                departure = lock_departure(departure.pk)
            registration = create_registration(
                event, departure, member, card, persons, basis, user, note
            )
            if first_come and departure is not None:
                registration, cause = allocate(
                    registration, departure, user, waitlist_rest
                )
                notify_registration(registration, cause)
    except IntegrityError:
        # Another request registered the household between the check and
        # the insert: the unique index on (event, member_key) caught it.
        existing = find_live_registration(event, member)
        if existing is None:
            raise
        raise already_registered(existing) from None

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


def create_registration(
    event: Event,
    departure: Departure | None,
    member: Member,
    card: Card,
    persons: list[PersonInput],
    basis: EligibilityBasis,
    user: Actor,
    note: str,
) -> Registration:
    registration = Registration.objects.create(
        event=event,
        departure=departure,
        member=member,
        member_key=member.pk,
        card=card,
        seats=len(persons),
        eligible_spend=basis.spend,
        spend_since=basis.since,
        spend_until=basis.until,
        eligibility_rule=basis.rule[:200],
        fee_due=fee_for(event, member, len(persons)),
        owner_id=actor_id(user),
        note=note,
    )
    RegistrationPerson.objects.bulk_create(
        RegistrationPerson(
            registration=registration, person=entry.person, name=entry.name
        )
        for entry in persons
    )
    return registration


def allocate(
    registration: Registration,
    departure: Departure,
    user: Actor,
    waitlist_rest: bool,
) -> tuple[Registration, str]:
    """Confirm a new registration if its seats fit, else waitlist it.

    The caller holds ``departure`` locked, as read after taking the lock.
    """
    if take_seats(departure.pk, registration.seats):
        return apply_action(registration, "confirm", user), "confirmed"

    if departure.seats_left > 0 and not waitlist_rest:
        raise NotEnoughSeatsError(departure, departure.seats_left, registration.seats)
    return waitlist(registration, departure.pk, user), "waitlisted"


def apply_action(registration: Registration, action: str, user: Actor) -> Registration:
    """Apply ``action`` through the workflow; a rejection is a RegistrationError."""
    try:
        return move(registration, action, user)
    except TransitionRejected as error:
        raise RegistrationError(str(error)) from error


def waitlist(
    registration: Registration, departure_id: int, user: Actor
) -> Registration:
    """Put a registration at the end of the locked departure's waiting list."""
    registration = apply_action(registration, "waitlist", user)
    registration.waitlist_position = next_waitlist_position(departure_id)
    registration.save(update_fields=["waitlist_position", "modified"])
    return registration


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
