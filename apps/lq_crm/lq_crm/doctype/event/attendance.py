"""Check households in at the event, and mark the ones who did not come."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lq_crm.core.users import Actor
from lq_crm.doctype.card.services import CardError, get_usable_card
from lq_crm.doctype.event.allocation import apply_action
from lq_crm.doctype.event.eligibility import RegistrationError
from lq_crm.doctype.event.models import Event, Registration

logger = logging.getLogger(__name__)


def check_in(event: Event, card_number: str, user: Actor = None) -> Registration:
    """Mark the confirmed registration of the card's household as attended."""
    try:
        card = get_usable_card(card_number)
    except CardError as error:
        raise RegistrationError(str(error)) from None

    registration = Registration.objects.filter(
        event=event, member_key=card.member_id
    ).first()
    if registration is None:
        raise RegistrationError(
            _("Card %(card)s has no registration for %(event)s.")
            % {"card": card.card_number, "event": event.title}
        )
    return check_in_registration(registration, user)


def check_in_registration(
    registration: Registration, user: Actor = None
) -> Registration:
    if registration.status != Registration.Status.CONFIRMED:
        raise RegistrationError(
            _(
                "Registration %(number)s is %(status)s: only a confirmed "
                "registration can check in."
            )
            % {
                "number": registration.number,
                "status": registration.get_status_display(),
            }
        )

    with transaction.atomic():
        registration = apply_action(registration, "attend", user)
        registration.checked_in_at = timezone.now()
        registration.save(update_fields=["checked_in_at", "modified"])

    logger.info("Registration %s checked in", registration.pk)
    return registration


def mark_no_shows(event: Event, user: Actor = None) -> int:
    """Mark an ended event's confirmed registrations as no-shows; return the count."""
    if timezone.now() < event.ends_at:
        raise RegistrationError(
            _("Event %(event)s ends at %(ends)s: mark no-shows after that.")
            % {"event": event.number, "ends": timezone.localtime(event.ends_at)}
        )

    marked = 0
    confirmed = Registration.objects.filter(
        event=event, status=Registration.Status.CONFIRMED
    )
    for registration in confirmed:
        with transaction.atomic():
            apply_action(registration, "no_show", user)
        marked += 1
    logger.info("Event %s: %s registrations marked as no-shows", event.pk, marked)
    return marked
