"""Changes a household makes to its own record: contact details and consent."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lq_crm.doctype.member.models import Member
from lq_crm.portal.member.codes import verify_code
from lq_crm.portal.member.models import ConsentChange, LoginCode

logger = logging.getLogger(__name__)

CHANGE_REASON = "member portal"


class AccountError(Exception):
    """A change the portal cannot make, with what to do instead."""


def save_member(member: Member, fields: list[str]) -> None:
    # simple-history stores the reason beside the row's new version.
    member._change_reason = CHANGE_REASON  # type: ignore[attr-defined]
    member.save(update_fields=[*fields, "modified"])


@transaction.atomic
def update_contact(member: Member, *, address: str, email: str) -> list[str]:
    """Store a new address and email, and return the names of the fields changed."""
    locked = Member.objects.select_for_update().get(pk=member.pk)
    changed = []
    if locked.address != address:
        locked.address = address
        changed.append("address")
    if locked.email != email:
        locked.email = email
        changed.append("email")
    if changed:
        save_member(locked, changed)
        logger.info("Member %s changed %s in the portal", member.pk, changed)

    member.address, member.email = locked.address, locked.email
    return changed


@transaction.atomic
def change_phone(member: Member, new_phone: str, code: str) -> None:
    """Switch the household to ``new_phone`` once the code sent there is correct.

    Raises CodeError for a wrong or expired code.
    """
    verify_code(new_phone, LoginCode.Purpose.PHONE_CHANGE, code, member=member)
    locked = Member.objects.select_for_update().get(pk=member.pk)
    locked.phone = new_phone
    save_member(locked, ["phone"])
    member.phone = new_phone
    logger.info("Member %s changed its phone in the portal", member.pk)


@transaction.atomic
def record_consent(
    member: Member, kind: str, given: bool, ip_address: str | None
) -> ConsentChange | None:
    """Store a consent choice with its record, or return None when nothing changed.

    Marketing consent may be given and withdrawn. Consent to the use of
    personal data may only be given here: withdrawing it ends the membership,
    which the service centre handles.
    """
    locked = Member.objects.select_for_update().get(pk=member.pk)
    if kind == ConsentChange.Kind.MARKETING:
        if locked.consent_marketing == given:
            return None
        locked.consent_marketing = given
        save_member(locked, ["consent_marketing"])
    elif kind == ConsentChange.Kind.DATA_USE:
        if not given:
            raise AccountError(
                _(
                    "Consent to the use of your data cannot be withdrawn here: "
                    "call the service centre, which will close the membership "
                    "and anonymise your data."
                )
            )
        if locked.consent_given_at is not None:
            return None
        locked.consent_given_at = timezone.now()
        locked.consent_method = Member.ConsentMethod.ONLINE
        save_member(locked, ["consent_given_at", "consent_method"])
    else:
        raise AccountError(_("Unknown consent %(kind)s.") % {"kind": kind})

    change = ConsentChange.objects.create(
        member=locked,
        kind=kind,
        given=given,
        method=Member.ConsentMethod.ONLINE,
        ip_address=ip_address,
    )
    for field in ("consent_marketing", "consent_given_at", "consent_method"):
        setattr(member, field, getattr(locked, field))
    logger.info("Member %s recorded %s consent %s", member.pk, kind, given)
    return change
