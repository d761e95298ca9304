"""Invite the households of a report list to an event, through the outbox.

An invitation is a message, not a registration: the household registers
itself (or the service centre registers it) with the persons who will come.
Only households that consented to marketing messages are invited, and each
household gets at most one invitation per event, because the outbox key is
``event-invitation:<event>:<household>``.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from lq_crm.doctype.event.models import Event
from lq_crm.doctype.member.models import Member
from lq_crm.notify.models import MessageTemplate, Notification
from lq_crm.notify.services import queue_message

logger = logging.getLogger(__name__)

TEMPLATE_CODE = "event_invitation"
INVITABLE_STATUSES = (Event.Status.DRAFT, Event.Status.OPEN)
BATCH_SIZE = 500


class InvitationError(Exception):
    """An invitation that cannot be sent, with what to do about it."""


@dataclass
class InvitationResult:
    invited: int = 0
    already_invited: int = 0
    without_consent: int = 0


def check_template() -> None:
    """Refuse to invite while the shipped invitation template is missing or off."""
    if MessageTemplate.objects.filter(code=TEMPLATE_CODE, active=True).exists():
        return
    raise InvitationError(
        _(
            "The message template %(code)s is missing or inactive: activate it "
            "under message templates, or run sync_fixtures."
        )
        % {"code": TEMPLATE_CODE}
    )


def check_event(event: Event) -> None:
    if event.status not in INVITABLE_STATUSES:
        raise InvitationError(
            _(
                "Event %(event)s is %(status)s: invite households to a draft "
                "or open event."
            )
            % {"event": event.number, "status": event.get_status_display()}
        )
    if event.starts_at <= timezone.now():
        raise InvitationError(
            _("Event %(event)s has already started: choose an event in the future.")
            % {"event": event.number}
        )


def invite_households(event: Event, members: QuerySet[Member]) -> InvitationResult:
    """Queue one invitation per consenting household of ``members`` not yet invited."""
    check_event(event)
    check_template()
    result = InvitationResult()
    result.without_consent = members.filter(consent_marketing=False).count()
    consenting = members.filter(consent_marketing=True).order_by("pk")
    context = {
        "event_title": event.title,
        "starts_at": f"{timezone.localtime(event.starts_at):%Y-%m-%d %H:%M}",
        "venue": event.venue,
    }

    last_pk = 0
    while True:
        batch = list(consenting.filter(pk__gt=last_pk)[:BATCH_SIZE])
        if not batch:
            break
        last_pk = batch[-1].pk
        with transaction.atomic():
            for member in batch:
                key = f"event-invitation:{event.pk}:{member.pk}"
                if Notification.objects.filter(key=key).exists():
                    result.already_invited += 1
                    continue
                queue_message(
                    key=key,
                    member=member,
                    template_code=TEMPLATE_CODE,
                    context={**context, "member_name": member.name},
                )
                result.invited += 1

    logger.info(
        "Event %s invitations: %s queued, %s already invited, %s without consent",
        event.pk,
        result.invited,
        result.already_invited,
        result.without_consent,
    )
    return result


def invite_job(event_id: int, member_ids: list[int]) -> None:
    """Invite the listed households in the background; safe to run twice."""
    event = Event.objects.get(pk=event_id)
    invite_households(event, Member.objects.filter(pk__in=member_ids))


def job_id_for(event_id: int, member_ids: list[int]) -> str:
    digest = hashlib.sha256(",".join(map(str, sorted(member_ids))).encode()).hexdigest()
    return f"reports-invite-{event_id}-{digest[:16]}"
