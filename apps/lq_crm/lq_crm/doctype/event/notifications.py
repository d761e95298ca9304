"""Queue the message that informs a household of its registration's outcome."""

from __future__ import annotations

from django.utils import timezone

from lq_crm.doctype.event.models import Registration
from lq_crm.notify.models import Notification
from lq_crm.notify.services import queue_message

# The outbox key's cause, by what happened; the key makes each message unique.
TEMPLATES: dict[str, str] = {
    "confirmed": "registration_confirmed",
    "waitlisted": "registration_waitlisted",
    "promoted": "registration_promoted",
    "lottery_won": "lottery_won",
    "lottery_lost": "lottery_lost",
}


def notify_registration(registration: Registration, cause: str) -> Notification | None:
    """Queue one message for ``cause`` (a key of TEMPLATES); a repeat adds none."""
    event = registration.event
    departure = registration.departure
    starts_at = departure.departs_at if departure and departure.departs_at else None
    starts_at = starts_at or event.starts_at
    context = {
        "member_name": registration.member.name,
        "event_title": event.title,
        "registration_number": registration.number,
        "departure": departure.name if departure else "",
        "starts_at": timezone.localtime(starts_at).strftime("%Y-%m-%d %H:%M"),
        "venue": event.venue,
        "seats": registration.seats,
        "waitlist_position": registration.waitlist_position or "",
        "fee_due": f"{registration.fee_due:.2f}",
    }
    return queue_message(
        key=f"registration-{cause}:{registration.pk}",
        member=registration.member,
        template_code=TEMPLATES[cause],
        context=context,
    )
