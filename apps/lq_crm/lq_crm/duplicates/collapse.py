"""Collapse two live registrations of one event when their households merge.

The registration in the better state is kept and the other is cancelled
through the event services, so that a confirmed seat it held goes to the
waiting list. An undo registers the household again where the event still
allows it.
"""

from __future__ import annotations

import logging
from typing import Any

from django.utils.translation import gettext as _

from lq_crm.core.users import Actor
from lq_crm.doctype.card.models import Card
from lq_crm.doctype.event.allocation import (
    PersonInput,
    cancel_registration,
    register,
)
from lq_crm.doctype.event.eligibility import RegistrationError
from lq_crm.doctype.event.models import Registration
from lq_crm.doctype.member.models import HouseholdPerson, Member

logger = logging.getLogger(__name__)

# A higher rank is the better state to keep; states missing here are not live.
STATUS_RANK: dict[str, int] = {
    Registration.Status.ATTENDED: 5,
    Registration.Status.CONFIRMED: 4,
    Registration.Status.WAITLISTED: 3,
    Registration.Status.REGISTERED: 2,
    Registration.Status.NO_SHOW: 1,
}
CANCELLABLE = {
    Registration.Status.REGISTERED,
    Registration.Status.CONFIRMED,
    Registration.Status.WAITLISTED,
}


def live_registrations(member: Member) -> dict[int, Registration]:
    """Map event id to the household's live registration, found by its member_key."""
    rows = Registration.objects.select_related("event").filter(member_key=member.pk)
    return {registration.event_id: registration for registration in rows}


def choose(
    kept: Registration, other: Registration
) -> tuple[Registration, Registration]:
    """Return (winner, loser); a tie keeps ``kept``, the survivor's."""
    if STATUS_RANK.get(other.status, 0) > STATUS_RANK.get(kept.status, 0):
        return other, kept
    return kept, other


def describe(registration: Registration, side: str) -> dict[str, Any]:
    persons = registration.persons.order_by("pk").values("name", "person_id")
    return {
        "registration": registration.pk,
        "number": registration.number,
        "event": registration.event_id,
        "side": side,
        "status": registration.status,
        "departure": registration.departure_id,
        "card": registration.card_id,
        "persons": list(persons),
    }


def collapse_registrations(
    survivor: Member, merged: Member, user: Actor, reason: str
) -> tuple[list[dict[str, Any]], set[int], list[str]]:
    """Cancel one of each pair of live registrations of the same event.

    Returns the cancelled registrations as described for an undo, the ids
    of registrations that must stay with the merged household, and notes.
    When only one of the two can still be cancelled, that one is cancelled
    whatever its state. Two finished registrations (attended or no show)
    cannot be cancelled, so the merged household's one stays with it.
    """
    collapsed: list[dict[str, Any]] = []
    stay: set[int] = set()
    notes: list[str] = []
    own = live_registrations(survivor)
    for event_id, theirs in live_registrations(merged).items():
        ours = own.get(event_id)
        if ours is None:
            continue

        winner, loser = choose(ours, theirs)
        if loser.status not in CANCELLABLE:
            # A finished registration cannot be cancelled, so the live one
            # gives way; when both are finished, neither can.
            winner, loser = loser, winner
        if loser.status not in CANCELLABLE:
            stay.add(theirs.pk)
            notes.append(finished_note(theirs, merged))
            continue

        side = "survivor" if loser.member_id == survivor.pk else "merged"

        description = describe(loser, side)
        cancel_registration(loser, user, reason)
        description["kept"] = winner.pk
        collapsed.append(description)
        notes.append(
            _(
                "Registration %(loser)s for %(event)s was cancelled because "
                "registration %(winner)s of the same event is kept."
            )
            % {"loser": loser.number, "event": loser.event, "winner": winner.number}
        )
    return collapsed, stay, notes


def finished_note(registration: Registration, merged: Member) -> str:
    return _(
        "Registration %(number)s for %(event)s stays with household %(member)s: "
        "both households' registrations of this event are finished, so "
        "neither can be cancelled."
    ) % {
        "number": registration.number,
        "event": registration.event,
        "member": merged.number,
    }


def persons_of(entry: dict[str, Any], member: Member) -> list[PersonInput]:
    """Rebuild the registered persons, linking those still in the household."""
    ids = [row["person_id"] for row in entry["persons"] if row["person_id"]]
    persons = HouseholdPerson.objects.filter(member=member).in_bulk(ids)
    return [
        PersonInput(name=row["name"], person=persons.get(row["person_id"]))
        for row in entry["persons"]
    ]


def register_again(entry: dict[str, Any], member: Member, user: Actor) -> str:
    """Register the household again for a collapsed event; return a note."""
    cancelled = Registration.objects.select_related("event", "departure").get(
        pk=entry["registration"]
    )
    try:
        card = Card.objects.get(pk=entry["card"])
        registration = register(
            cancelled.event,
            card,
            persons_of(entry, member),
            departure=cancelled.departure,
            user=user,
            waitlist_rest=True,
            note=_("Registered again after undoing a merge"),
        )
    except RegistrationError as error:
        logger.info("Registration %s not restored after undo: %s", cancelled.pk, error)
        return _("Registration %(number)s for %(event)s stays cancelled: %(error)s") % {
            "number": cancelled.number,
            "event": cancelled.event,
            "error": error,
        }

    return _(
        "Registration %(number)s for %(event)s was cancelled by the merge; the "
        "household is registered again as %(new)s (%(status)s)."
    ) % {
        "number": cancelled.number,
        "event": cancelled.event,
        "new": registration.number,
        "status": registration.get_status_display(),
    }
