"""Put messages in the outbox; the send job in ``sending`` delivers them."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import phonenumbers
from django.template import Context, Template

from lq_crm.core.jobs import enqueue_on_commit
from lq_crm.doctype.club.models import ClubSettings
from lq_crm.notify.models import Channel, MessageTemplate, Notification, job_id_for

if TYPE_CHECKING:
    from lq_crm.doctype.member.models import Member
    from lq_crm.doctype.tier.models import TierChange

logger = logging.getLogger(__name__)


def render(text: str, context: dict[str, Any]) -> str:
    return Template(text).render(Context(context, autoescape=False)).strip()


def is_mobile(phone: str) -> bool:
    if not phone:
        return False
    try:
        parsed = phonenumbers.parse(phone, "CN")
    except phonenumbers.NumberParseException:
        return False

    return phonenumbers.number_type(parsed) in {
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    }


def channel_for(member: Member) -> tuple[str, str]:
    """Pick SMS for a mobile phone, email next, else a call by the service centre."""
    if is_mobile(member.phone):
        return Channel.SMS, member.phone
    if member.email:
        return Channel.EMAIL, member.email

    return Channel.CALL, member.phone


def queue_message(
    *, key: str, member: Member, template_code: str, context: dict[str, Any]
) -> Notification | None:
    """Add one outbox row for the cause ``key`` and send it after commit.

    A cause that fires again finds its row and adds nothing.
    """
    template = MessageTemplate.objects.filter(code=template_code, active=True).first()
    if template is None:
        logger.warning(
            "Template %s is missing or inactive; %s not queued", template_code, key
        )
        return None

    channel, recipient = channel_for(member)
    notification, created = Notification.objects.get_or_create(
        key=key,
        defaults={
            "member": member,
            "template": template,
            "channel": channel,
            "recipient": recipient,
            "subject": render(template.subject, context),
            "body": render(template.body, context),
            "status": (
                Notification.Status.CALL_OPEN
                if channel == Channel.CALL
                else Notification.Status.PENDING
            ),
        },
    )
    if created and notification.status == Notification.Status.PENDING:
        from lq_crm.notify.sending import send_notification

        enqueue_on_commit(
            send_notification, notification.pk, job_id=job_id_for(notification.pk)
        )
    return notification


def notify_tier_change(change: TierChange) -> Notification | None:
    if not change.is_upgrade and not ClubSettings.load().notify_tier_downgrades:
        return None

    member = change.member
    card = member.cards.filter(status__in=["issued", "active"]).first()
    context = {
        "member_name": member.name,
        "card_number": card.card_number if card else "",
        "from_tier": change.from_tier.name if change.from_tier else "",
        "to_tier": change.to_tier.name,
        "spend": f"{change.spend:.2f}",
    }
    return queue_message(
        key=f"tier-change:{change.pk}",
        member=member,
        template_code="tier_upgrade" if change.is_upgrade else "tier_downgrade",
        context=context,
    )
