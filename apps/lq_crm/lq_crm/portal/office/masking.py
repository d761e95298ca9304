"""Show a household at the counter, masked for roles without personal data.

``core.masking`` masks phone, address and birth year. A store counter also
shows the household's name on a screen that customers can see, so the portal
masks the name as well for users without ``access.view_personal_data``.
"""

from __future__ import annotations

from typing import Any

from lq_crm.core.masking import mask_address, may_view_personal_data
from lq_crm.core.phones import mask_phone
from lq_crm.doctype.card.models import Card
from lq_crm.doctype.member.models import Member
from lq_crm.doctype.points.services import balance


def mask_name(name: str) -> str:
    """Keep the first and, for names of three or more characters, the last one.

    ``王建国`` becomes ``王*国`` and ``李娜`` becomes ``李*``, the way Chinese
    receipts and delivery labels shorten names.
    """
    name = name.strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return f"{name[0]}*"

    return f"{name[0]}{'*' * (len(name) - 2)}{name[-1]}"


def person_name(name: str, user: Any) -> str:
    if may_view_personal_data(user):
        return name
    return mask_name(name)


def member_name(member: Member, user: Any) -> str:
    return person_name(member.name, user)


def member_phone(member: Member, user: Any) -> str:
    if may_view_personal_data(user):
        return member.phone
    return mask_phone(member.phone)


def member_address(member: Member, user: Any) -> str:
    if may_view_personal_data(user):
        return member.address
    return mask_address(member)


def card_summary(card: Card, user: Any) -> dict[str, Any]:
    """Return what the clerk checks before entering a slip on ``card``."""
    member = card.member
    if member is None:
        return {"card_number": card.card_number, "status": card.get_status_display()}

    return {
        "card_number": card.card_number,
        "status": card.get_status_display(),
        "member_number": member.number,
        "name": member_name(member, user),
        "phone": member_phone(member, user),
        "tier": member.tier.name if member.tier else "",
        "points": balance(member),
        "qualifying_spend": str(member.qualifying_spend),
    }
