"""Events a household may register for, and its own registrations.

Eligibility, seats, the waiting list and its promotion stay in the event
services. This module picks the household's card and persons, and acts as
the portal's account.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from lq_crm.doctype.event.allocation import (
    PersonInput,
    cancel_registration,
    check_window,
    find_live_registration,
    register,
)
from lq_crm.doctype.event.eligibility import RegistrationError, check_eligibility
from lq_crm.doctype.event.models import Departure, Event, Registration
from lq_crm.doctype.member.models import HouseholdPerson, Member
from lq_crm.portal.member.actor import portal_actor
from lq_crm.portal.member.overview import usable_card

# The form value that stands for the household's holder when no household
# person is recorded as its head.
HOLDER = "holder"

CANCELLABLE = {
    Registration.Status.REGISTERED,
    Registration.Status.CONFIRMED,
    Registration.Status.WAITLISTED,
}


@dataclass(frozen=True)
class EventEligibility:
    """An event with the household's eligibility, registration and seats left."""

    event: Event
    eligible: bool
    reason: str
    registration: Registration | None
    seats_left: int


def open_condition() -> Q:
    now = timezone.now()
    return Q(
        status=Event.Status.OPEN,
        registration_opens_at__lte=now,
        registration_closes_at__gt=now,
    )


def open_events() -> QuerySet[Event]:
    """Return the events whose registration is open now, the soonest first."""
    return (
        Event.objects.filter(open_condition())
        .select_related("min_tier", "city")
        .prefetch_related("departures", "allowed_cities")
        .order_by("starts_at", "pk")
    )


def events_visible_to(member: Member) -> QuerySet[Event]:
    """Return the open events and the events the household registered for."""
    registered = Registration.objects.filter(member=member).values("event_id")
    return Event.objects.filter(open_condition() | Q(pk__in=registered))


def seats_left(event: Event) -> int:
    departures = list(event.departures.all())
    if not departures:
        return event.capacity

    return sum(departure.seats_left for departure in departures)


def eligibility_of(member: Member, event: Event) -> EventEligibility:
    """Return whether the household may register for ``event`` now, and why.

    The reason is the rule applied when it may, or the event service's
    message when it may not: registration closed, wrong city or tier, or the
    spend still missing.
    """
    try:
        check_window(event)
        basis = check_eligibility(member, event)
    except RegistrationError as error:
        eligible, reason = False, str(error)
    else:
        eligible, reason = True, basis.rule

    return EventEligibility(
        event=event,
        eligible=eligible,
        reason=reason,
        registration=find_live_registration(event, member),
        seats_left=seats_left(event),
    )


def open_events_for(member: Member) -> list[EventEligibility]:
    return [eligibility_of(member, event) for event in open_events()]


def household_registrations(member: Member) -> QuerySet[Registration]:
    return (
        Registration.objects.filter(member=member)
        .select_related("event", "departure")
        .prefetch_related("persons")
        .order_by("-pk")
    )


def person_options(member: Member) -> list[tuple[str, str]]:
    """Return (form value, name) pairs of the persons who may come.

    The household's holder is offered by name unless a household person is
    recorded as the head, who would be the same person.
    """
    persons = list(member.persons.order_by("pk"))
    options = [(str(person.pk), person.name) for person in persons]
    if not any(person.relation == HouseholdPerson.Relation.HEAD for person in persons):
        options.insert(0, (HOLDER, member.name))
    return options


def person_inputs(member: Member, choices: list[str]) -> list[PersonInput]:
    """Turn form values from ``person_options`` into the event service's input."""
    offered = {value for value, _name in person_options(member)}
    persons = {str(person.pk): person for person in member.persons.all()}
    inputs: list[PersonInput] = []
    for choice in choices:
        if choice not in offered:
            raise RegistrationError(
                _("Person %(person)s is not in your household.") % {"person": choice}
            )
        if choice == HOLDER:
            inputs.append(PersonInput(name=member.name))
        else:
            inputs.append(PersonInput(person=persons[choice]))
    return inputs


def register_household(
    member: Member,
    event: Event,
    choices: list[str],
    *,
    departure: Departure | None = None,
    waitlist_rest: bool = False,
) -> Registration:
    """Register the household's chosen persons with its usable card.

    Raises RegistrationError (or its EligibilityError) with the reason from
    the event services, such as the spend still missing.
    """
    card = usable_card(member)
    if card is None:
        raise RegistrationError(
            _(
                "Your household has no card in use, so it cannot register: "
                "ask the service centre or a store about your card."
            )
        )

    return register(
        event,
        card,
        person_inputs(member, choices),
        departure=departure,
        user=portal_actor(),
        waitlist_rest=waitlist_rest,
        note=_("Registered by the household in the member portal."),
    )


def cancel_household_registration(
    member: Member, registration: Registration
) -> Registration:
    """Cancel the household's own registration before its event starts.

    A confirmed seat goes to the waiting list through the event services.
    """
    if registration.member_id != member.pk:
        raise RegistrationError(_("This registration is not your household's."))
    if registration.status not in CANCELLABLE:
        raise RegistrationError(
            _("Registration %(number)s is %(status)s and cannot be cancelled.")
            % {
                "number": registration.number,
                "status": registration.get_status_display(),
            }
        )
    if registration.event.starts_at <= timezone.now():
        raise RegistrationError(
            _(
                "The event has started, so the registration can no longer be "
                "cancelled here: call the service centre."
            )
        )

    return cancel_registration(
        registration,
        portal_actor(),
        reason=_("Cancelled by the household in the member portal."),
    )
