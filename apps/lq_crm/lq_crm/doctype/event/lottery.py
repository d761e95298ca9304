"""Draw the lottery of a lottery-mode event, one departure at a time.

The candidates are sorted by registration id and shuffled with
``random.Random(seed)``. The seed and the draw order are stored on the
departure's LotteryDraw row, so anyone can repeat the draw and get the same
winners. Winners are confirmed while seats remain and the others are
waitlisted in draw order. Draws of one event take turns on the event's row.
"""

from __future__ import annotations

import logging
import random
import secrets

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from lq_crm.core.users import Actor, actor_id
from lq_crm.doctype.event.allocation import (
    apply_action,
    ensure_default_departure,
    lock_departure,
    release_seats,
    take_seats,
)
from lq_crm.doctype.event.eligibility import RegistrationError
from lq_crm.doctype.event.models import Departure, Event, LotteryDraw, Registration
from lq_crm.doctype.event.notifications import notify_registration

logger = logging.getLogger(__name__)

Status = Registration.Status
# Registrations that a re-draw puts back in the pool; cancelled, attended and
# no-show ones keep what they have.
REDRAWABLE = [Status.REGISTERED, Status.CONFIRMED, Status.WAITLISTED]


def new_seed() -> int:
    return secrets.randbits(62)


def draw_order(candidate_ids: list[int], seed: int) -> list[int]:
    """Return ``candidate_ids`` sorted, then shuffled reproducibly by ``seed``."""
    order = sorted(candidate_ids)
    random.Random(seed).shuffle(order)
    return order


def draw(
    target: Event | Departure, seed: int | None = None, user: Actor = None
) -> list[LotteryDraw]:
    """Draw every departure of an event in order, or one departure.

    Without ``seed`` a random one is chosen; with an event, every departure
    uses the same seed on its own candidates. An event without departures
    gets its default one first.

    NOTE: registrations without a departure preference all enter the first
    departure drawn, and its losers wait for that departure only, so a
    lottery over several departures should ask each household for one.
    """
    if isinstance(target, Departure):
        departures = [target]
    else:
        departures = ensure_default_departure(target)

    if seed is None:
        seed = new_seed()
    return [draw_departure(departure, seed, user) for departure in departures]


def check_drawable(event: Event) -> None:
    if event.allocation_mode != Event.AllocationMode.LOTTERY:
        raise RegistrationError(
            _("Event %(event)s allocates seats first come; it has no lottery.")
            % {"event": event.number}
        )
    if timezone.now() < event.registration_closes_at:
        raise RegistrationError(
            _("Registration for %(event)s closes at %(closes)s: draw after that.")
            % {
                "event": event.number,
                "closes": timezone.localtime(event.registration_closes_at),
            }
        )


def candidates_for(
    departure: Departure, previous: LotteryDraw | None
) -> list[Registration]:
    """Lock and return the registrations that take part in this departure's draw.

    A first draw takes the event's undrawn registrations for this departure or
    for no departure in particular. A re-draw also takes back the previous
    draw's registrations that are not cancelled or attended.
    """
    undrawn = Q(
        status=Status.REGISTERED,
        lottery_draw__isnull=True,
    ) & (Q(departure=departure) | Q(departure__isnull=True))
    pool = undrawn
    if previous is not None:
        pool |= Q(lottery_draw=previous, status__in=REDRAWABLE)
    return list(
        Registration.objects.select_for_update()
        .select_related("event", "member", "departure")
        .filter(pool, event_id=departure.event_id)
        .order_by("pk")
    )


def reset_previous(departure: Departure, candidates: list[Registration]) -> None:
    """Give back the seats of the previous winners and clear waiting positions."""
    for registration in candidates:
        if registration.status == Status.CONFIRMED:
            release_seats(departure.pk, registration.seats)
    Registration.objects.filter(pk__in=[r.pk for r in candidates]).update(
        waitlist_position=None
    )


def draw_departure(departure: Departure, seed: int, user: Actor = None) -> LotteryDraw:
    """Draw one departure, replacing its earlier result if it was drawn before."""
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=departure.event_id)
        check_drawable(event)
        departure = lock_departure(departure.pk)
        previous = (
            LotteryDraw.objects.select_for_update().filter(departure=departure).first()
        )
        candidates = candidates_for(departure, previous)
        reset_previous(departure, candidates)

        by_id = {registration.pk: registration for registration in candidates}
        order = draw_order(list(by_id), seed)
        lottery_draw, _created = LotteryDraw.objects.update_or_create(
            departure=departure,
            defaults={
                "event": event,
                "seed": seed,
                "candidates": sorted(by_id),
                "result": order,
                "rounds": previous.rounds + 1 if previous else 1,
                "drawn_at": timezone.now(),
                "drawn_by_id": actor_id(user),
            },
        )
        winners = place_in_order(
            departure, lottery_draw, [by_id[pk] for pk in order], user
        )
        lottery_draw.winners = winners
        lottery_draw.save(update_fields=["winners"])

    logger.info(
        "Lottery of departure %s drawn with seed %s: %s candidates, %s winners",
        departure.pk,
        seed,
        len(order),
        len(winners),
    )
    return lottery_draw


def place_in_order(
    departure: Departure,
    lottery_draw: LotteryDraw,
    ordered: list[Registration],
    user: Actor,
) -> list[int]:
    """Confirm the drawn registrations while seats remain, waitlist the rest."""
    last = Registration.objects.filter(departure=departure).aggregate(
        last=Max("waitlist_position")
    )["last"]
    position = last or 0
    winners: list[int] = []
    for registration in ordered:
        registration.departure = departure
        registration.lottery_draw = lottery_draw
        if take_seats(departure.pk, registration.seats):
            action = (
                "promote" if registration.status == Status.WAITLISTED else "confirm"
            )
            if registration.status != Status.CONFIRMED:
                registration = apply_action(registration, action, user)
            registration.waitlist_position = None
            winners.append(registration.pk)
            cause = "lottery_won"
        else:
            if registration.status != Status.WAITLISTED:
                registration = apply_action(registration, "waitlist", user)
            position += 1
            registration.waitlist_position = position
            cause = "lottery_lost"

        registration.save(
            update_fields=["departure", "lottery_draw", "waitlist_position", "modified"]
        )
        notify_registration(registration, cause)
    return winners
