"""Find households that may be the one being keyed in, before it is saved."""

from __future__ import annotations

from dataclasses import dataclass, field

from lq_crm.core.phones import InvalidPhoneError, normalise_phone
from lq_crm.doctype.member.models import Member
from lq_crm.duplicates.blocks import (
    city_names,
    members_by_key,
    members_by_phone,
    persons_by_phone,
)
from lq_crm.duplicates.evidence import Evidence, Profile, compare
from lq_crm.duplicates.models import Reason, reason_labels


@dataclass
class MemberMatch:
    """A saved household that may be the same as the one on the form."""

    member: Member
    score: float
    # Translated sentences such as "same phone", for the keying screen.
    reasons: list[str]
    reason_codes: list[str] = field(default_factory=list)


def clean_phone_or_blank(phone: str) -> str:
    if not phone.strip():
        return ""
    try:
        return normalise_phone(phone)
    except InvalidPhoneError:
        return ""


def find_evidence(form: Profile, phone: str) -> dict[int, Evidence]:
    """Compare the form with every household in its blocks; keep the best per one."""
    best: dict[int, Evidence] = {}

    def keep(member_id: int | None, evidence: Evidence | None) -> None:
        if member_id is None or evidence is None:
            return
        current = best.get(member_id)
        if current is None or evidence.score > current.score:
            best[member_id] = evidence

    for other in members_by_phone([phone]).get(phone, []):
        keep(other.member_id, compare(form, other, phone_reason=Reason.SAME_PHONE))
    for other in persons_by_phone([phone]).get(phone, []):
        keep(other.member_id, compare(form, other, phone_reason=Reason.PERSON_PHONE))

    if form.city_id is not None:
        for key_field, key in (
            ("name_key", form.name_key),
            ("address_key", form.address),
        ):
            block = members_by_key(key_field, {form.city_id: {key}})
            for other in block.get((form.city_id, key), []):
                keep(other.member_id, compare(form, other))
    return best


def similar_members(
    *,
    name: str,
    phone: str = "",
    address: str = "",
    city_id: int | None = None,
    exclude_id: int | None = None,
    limit: int = 5,
) -> list[MemberMatch]:
    """Return up to ``limit`` households that may be this one, best first.

    Candidates share the phone (of the household or of one of its persons)
    and have a similar name, or have a similar name at a similar address in
    the same city. Without ``city_id`` only the phone is searched. An
    invalid phone is ignored rather than reported, because the form
    validates it on its own. Merged households are never returned.
    """
    city_name = city_names().get(city_id, "") if city_id is not None else ""
    form = Profile.build(
        member_id=exclude_id,
        name=name,
        address=address,
        city_id=city_id,
        city_name=city_name,
    )
    best = find_evidence(form, clean_phone_or_blank(phone))
    best.pop(exclude_id or 0, None)
    ranked = sorted(best.items(), key=lambda item: (-item[1].score, item[0]))[:limit]

    members = Member.objects.select_related("city", "tier").in_bulk(
        [member_id for member_id, _evidence in ranked]
    )
    return [
        MemberMatch(
            member=members[member_id],
            score=evidence.score,
            reasons=reason_labels(list(evidence.reasons)),
            reason_codes=list(evidence.reasons),
        )
        for member_id, evidence in ranked
        if member_id in members
    ]
