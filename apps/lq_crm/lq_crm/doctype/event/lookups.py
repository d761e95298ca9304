"""Find what a registration request names, within the cities of the user.

The API and the desk form both resolve the event, card, departure and
persons through these functions, so both hide other cities' rows the same
way: an event or card outside the user's cities reads as not found.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.utils.translation import gettext as _

from lq_crm.core.scoping import may_write, visible_to
from lq_crm.doctype.card.models import Card
from lq_crm.doctype.card.services import CardError, get_usable_card
from lq_crm.doctype.event.eligibility import RegistrationError
from lq_crm.doctype.event.models import Departure, Event
from lq_crm.doctype.member.models import HouseholdPerson, Member

User = AbstractBaseUser | AnonymousUser


def find_event(event_id: int, user: User) -> Event:
    """Return the event with its departures and allowed cities, if the user sees it."""
    event = (
        visible_to(Event.objects.all(), user)
        .prefetch_related("departures", "allowed_cities")
        .filter(pk=event_id)
        .first()
    )
    if event is None:
        raise RegistrationError(
            _("Event %(event)s was not found.") % {"event": event_id}
        )

    return event


def find_departure(event: Event, departure_id: int | None) -> Departure | None:
    """Return the event's departure with this id, or None when none was requested."""
    if departure_id is None:
        return None

    for departure in event.departures.all():
        if departure.pk == departure_id:
            return departure
    raise RegistrationError(
        _("Departure %(departure)s is not a departure of event %(event)s.")
        % {"departure": departure_id, "event": event.number}
    )


def is_own_household(member: Member | None, user: User) -> bool:
    # Registering a household acts on its behalf, so the user must be allowed
    # to write the household's rows.
    return member is not None and may_write(member, user)


def find_household_card(card_number: str, user: User) -> Card:
    """Return the usable card with this number if its household is the user's.

    A card of another city's household raises the same CardError as an
    unknown number, so other cities' cards stay hidden.
    """
    card = get_usable_card(card_number)
    if not is_own_household(card.member, user):
        raise CardError(
            _("Card %(card)s was not found: check the number on the card.")
            % {"card": card.card_number}
        )

    return card


def household_persons(
    member: Member | None, person_ids: list[int]
) -> dict[int, HouseholdPerson]:
    """Return the household's persons by id, or raise for an id not of the household."""
    if not person_ids:
        return {}

    found = {
        person.pk: person
        for person in HouseholdPerson.objects.filter(member=member, pk__in=person_ids)
    }
    missing = [str(pk) for pk in person_ids if pk not in found]
    if missing:
        raise RegistrationError(
            _("Persons %(ids)s are not persons of this household.")
            % {"ids": ", ".join(missing)}
        )

    return found
