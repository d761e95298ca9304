"""Place households in the tier their cumulative qualifying spend reaches."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction

from lq_crm.core.users import Actor, actor_id
from lq_crm.doctype.club.reference import tiers as cached_tiers
from lq_crm.doctype.tier.models import Tier, TierChange

if TYPE_CHECKING:
    from lq_crm.doctype.member.models import Member
    from lq_crm.doctype.slip.models import PurchaseSlip

logger = logging.getLogger(__name__)


class TierConfigError(Exception):
    """No tier starts at zero, so some households would have no tier."""


def tier_for_spend(spend: Decimal, tiers: list[Tier] | None = None) -> Tier:
    """Return the highest tier whose threshold ``spend`` reaches (equal counts)."""
    candidates = tiers if tiers is not None else list(Tier.objects.all())
    reached = [tier for tier in candidates if tier.threshold <= spend]
    if not reached:
        raise TierConfigError(
            "No tier has a threshold of ¥0: add one in the desk so that every "
            "household has a tier."
        )

    return max(reached, key=lambda tier: tier.threshold)


def apply_tier(
    member: Member,
    *,
    cause: str,
    slip: PurchaseSlip | None = None,
    user: Actor = None,
    tiers: list[Tier] | None = None,
    notify: bool = True,
) -> TierChange | None:
    """Move ``member`` to the tier its spend reaches; record and notify a change.

    The caller holds the member row locked and has already stored the new
    ``qualifying_spend``. A jump over several tiers is one change and one
    message. Without ``tiers``, the tiers memoised per process are used.
    """
    target = tier_for_spend(
        member.qualifying_spend, tiers if tiers is not None else cached_tiers()
    )
    if member.tier_id == target.pk:
        return None

    change = TierChange.objects.create(
        member=member,
        from_tier_id=member.tier_id,
        to_tier=target,
        cause=cause,
        slip=slip,
        spend=member.qualifying_spend,
        changed_by_id=actor_id(user),
    )
    member.tier = target
    member.save(update_fields=["tier", "modified"])
    logger.info(
        "Member %s moved to tier %s (cause %s, change %s)",
        member.pk,
        target.code,
        cause,
        change.pk,
    )
    if notify and change.from_tier_id is not None:
        from lq_crm.notify.services import notify_tier_change

        notify_tier_change(change)
    return change


def reevaluate_all(user: Actor = None) -> int:
    """Re-place every household after thresholds changed; return the moves.

    Each household is handled in its own short transaction with its row
    locked, so slips submitted meanwhile are never overwritten.
    """
    from lq_crm.doctype.member.models import Member

    tiers = list(Tier.objects.all())
    moved = 0
    stale = Member.objects.exclude(tier__in=tiers).values_list("pk", flat=True)
    candidates = set(stale)
    for lower, upper in zip(tiers, [*tiers[1:], None], strict=False):
        in_band = Member.objects.filter(tier=lower).exclude(
            qualifying_spend__gte=lower.threshold,
            **({"qualifying_spend__lt": upper.threshold} if upper else {}),
        )
        candidates.update(in_band.values_list("pk", flat=True))

    for member_id in sorted(candidates):
        with transaction.atomic():
            member = Member.objects.select_for_update().get(pk=member_id)
            change = apply_tier(
                member, cause=TierChange.Cause.THRESHOLD_CHANGED, user=user, tiers=tiers
            )
            moved += change is not None
    logger.info(
        "Re-evaluated tiers after a threshold change: %s households moved", moved
    )
    return moved
