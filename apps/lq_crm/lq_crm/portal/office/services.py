"""Services of the office portal: city cards, slip entry and the city's events.

The card, slip and event services do the work. These functions add the
city limit and the transaction that a store counter needs around them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from lq_crm.core.users import Actor, actor_id
from lq_crm.doctype.card.models import Card
from lq_crm.doctype.card.services import (
    CardError,
    find_card,
    get_usable_card,
)
from lq_crm.doctype.event.allocation import PersonInput
from lq_crm.doctype.event.models import Event
from lq_crm.doctype.member.models import Member
from lq_crm.doctype.region.models import Region
from lq_crm.doctype.slip.models import PurchaseSlip
from lq_crm.doctype.slip.services import LineInput, create_slip
from lq_crm.doctype.store.models import Store

logger = logging.getLogger(__name__)


def find_city_card(card_number: str, cards: QuerySet[Card]) -> Card:
    """Return the usable card with this number among ``cards``, or raise CardError.

    ``cards`` are the cards the user may see in the current city, so the card
    of another city's household reads as not found.
    """
    card = find_card(card_number, cards)
    return get_usable_card(card.card_number)


def household_of(card: Card) -> Member:
    """Return the card's household, or raise CardError for a card never issued."""
    if card.member is None:
        raise CardError(
            _("Card %(card)s has not been issued to a household yet.")
            % {"card": card.card_number}
        )
    return card.member


def enter_slip(
    card: Card,
    store: Store,
    receipt_number: str,
    lines: list[LineInput],
    user: Actor,
) -> PurchaseSlip:
    """Create and submit a slip in one transaction, so no draft is left behind.

    A second entry of the same receipt raises DuplicateReceiptError through
    the unique index on (store, receipt_key).
    """
    household_of(card)
    slip = create_slip(
        card=card,
        store=store,
        receipt_number=receipt_number,
        lines=lines,
        clerk=user,
        source=PurchaseSlip.Source.PORTAL,
        submit=True,
    )

    logger.info("Portal slip %s entered by user %s", slip.pk, actor_id(user))
    return slip


# Events -----------------------------------------------------------------------


@dataclass(frozen=True)
class EventSeats:
    """An event with its seats over all departures."""

    event: Event
    capacity: int
    seats_left: int


def open_to_city(events: QuerySet[Event], city: Region) -> QuerySet[Event]:
    """Keep the events whose households of ``city`` may register."""
    allowed = Q(allowed_cities__isnull=True) | Q(allowed_cities=city)
    return events.filter(allowed).distinct()


def seats_of(event: Event) -> EventSeats:
    """Count the seats of an event whose departures are prefetched.

    An event without registrations may have no departure yet, because the
    first registration creates one with the event's capacity.
    """
    departures = list(event.departures.all())
    if not departures:
        return EventSeats(event, event.capacity, event.capacity)

    capacity = sum(departure.capacity for departure in departures)
    seats_left = sum(departure.seats_left for departure in departures)
    return EventSeats(event, capacity, seats_left)


def upcoming_events(
    events: QuerySet[Event], city: Region, now: datetime, limit: int = 10
) -> list[EventSeats]:
    """Return the next events open to the city's households, with seats left."""
    upcoming = (
        open_to_city(events, city)
        .filter(
            starts_at__gte=now,
            status__in=[Event.Status.OPEN, Event.Status.CLOSED],
        )
        .prefetch_related("departures")
        .order_by("starts_at", "pk")[:limit]
    )
    return [seats_of(event) for event in upcoming]


def registrable_events(
    events: QuerySet[Event], city: Region, now: datetime
) -> QuerySet[Event]:
    """Select the open events whose registration window contains ``now``."""
    return open_to_city(events, city).filter(
        status=Event.Status.OPEN,
        registration_opens_at__lte=now,
        registration_closes_at__gt=now,
    )


def persons_from_names(member: Member, text: str) -> list[PersonInput]:
    """Turn one name per line into persons; no name registers the household's name.

    A name equal to one of the household's persons is linked to that person.
    """
    names = [line.strip() for line in text.splitlines() if line.strip()]
    if not names:
        names = [member.name]

    on_file = {person.name: person for person in member.persons.all()}
    return [PersonInput(name=name, person=on_file.get(name)) for name in names]
