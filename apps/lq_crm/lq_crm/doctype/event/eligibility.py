"""Decide whether a household may register for an event, and on what basis.

Spend is summed from submitted slips (a cancelled slip no longer counts)
purchased in the event's window. The window's dates are days in
Asia/Shanghai and include the whole last day, so a slip at 23:59:59 on the
last day counts and one at 00:00 the next day does not.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Sum
from django.utils.translation import gettext as _

from lq_crm.doctype.event.models import Event, Registration
from lq_crm.doctype.member.models import Member
from lq_crm.doctype.slip.models import PurchaseSlip, PurchaseSlipLine

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


class RegistrationError(Exception):
    """A registration that cannot be made or changed, with what to do about it."""


class EligibilityError(RegistrationError):
    """The household does not meet one of the event's rules."""


@dataclass(frozen=True)
class EligibilityBasis:
    """The spend, window and rule behind a household's eligibility."""

    spend: Decimal | None
    since: date | None
    until: date | None
    rule: str


def window_bounds(
    since: date | None, until: date | None
) -> tuple[datetime | None, datetime | None]:
    """Return the aware [start, end) instants of a window of Shanghai days."""
    start = datetime.combine(since, time.min, tzinfo=SHANGHAI) if since else None
    end = (
        datetime.combine(until + timedelta(days=1), time.min, tzinfo=SHANGHAI)
        if until
        else None
    )
    return start, end


def spend_in_window(member: Member, event: Event) -> Decimal:
    """Return the household's spend in the event's window, by the event's basis."""
    start, end = window_bounds(event.spend_since, event.spend_until)
    prefix = "slip__" if event.spend_basis == Event.SpendBasis.QUALIFYING else ""
    filters: dict[str, object] = {
        f"{prefix}member": member,
        f"{prefix}status": PurchaseSlip.Status.SUBMITTED,
    }
    if start is not None:
        filters[f"{prefix}purchased_at__gte"] = start
    if end is not None:
        filters[f"{prefix}purchased_at__lt"] = end

    if event.spend_basis == Event.SpendBasis.QUALIFYING:
        total = PurchaseSlipLine.objects.filter(
            category__qualifying=True, **filters
        ).aggregate(total=Sum("amount"))["total"]
    else:
        total = PurchaseSlip.objects.filter(**filters).aggregate(total=Sum("total"))[
            "total"
        ]
    return total or Decimal("0.00")


def is_returning(member: Member, event: Event) -> bool:
    """Return whether the household attended an earlier trip."""
    return (
        Registration.objects.filter(
            member=member,
            status=Registration.Status.ATTENDED,
            event__kind=Event.Kind.TRIP,
            event__starts_at__lt=event.starts_at,
        )
        .exclude(event=event)
        .exists()
    )


def describe_window(event: Event) -> str:
    if event.spend_since and event.spend_until:
        return _("between %(since)s and %(until)s") % {
            "since": event.spend_since.isoformat(),
            "until": event.spend_until.isoformat(),
        }
    if event.spend_since:
        return _("since %(since)s") % {"since": event.spend_since.isoformat()}
    if event.spend_until:
        return _("until %(until)s") % {"until": event.spend_until.isoformat()}

    return _("on the card")


def check_city(member: Member, event: Event) -> None:
    allowed = list(event.allowed_cities.all())
    if allowed and member.city_id not in {city.pk for city in allowed}:
        raise EligibilityError(
            _(
                "Households of %(city)s cannot register for this event; "
                "it is open to %(allowed)s."
            )
            % {
                "city": member.city,
                "allowed": ", ".join(city.name for city in allowed),
            }
        )


def check_tier(member: Member, event: Event) -> None:
    minimum = event.min_tier
    if minimum is None:
        return

    tier = member.tier
    if tier is None or tier.threshold < minimum.threshold:
        raise EligibilityError(
            _("Tier %(minimum)s or higher is needed; the household is %(tier)s.")
            % {"minimum": minimum.name, "tier": tier.name if tier else _("no tier")}
        )


def spend_rule(member: Member, event: Event) -> tuple[Decimal, str]:
    """Return the household's minimum spend and the rule's description.

    Trip history is read only when the two minimums differ, because only
    then does it change the outcome.
    """
    if event.min_spend_new == event.min_spend_returning:
        minimum = event.min_spend_new
        rule = _("every household: ¥%(minimum)s minimum spend")
    elif is_returning(member, event):
        minimum = event.min_spend_returning
        rule = _("returning trip member: ¥%(minimum)s minimum spend")
    else:
        minimum = event.min_spend_new
        rule = _("new household: ¥%(minimum)s minimum spend")
    return minimum, rule % {"minimum": minimum}


def check_eligibility(member: Member, event: Event) -> EligibilityBasis:
    """Return the basis on which the household may register.

    Raises EligibilityError naming the rule that failed and by how much.
    """
    check_city(member, event)
    check_tier(member, event)

    minimum, rule = spend_rule(member, event)
    if minimum <= 0:
        return EligibilityBasis(
            spend=None, since=event.spend_since, until=event.spend_until, rule=rule
        )

    spend = spend_in_window(member, event)
    if spend < minimum:
        raise EligibilityError(
            _(
                "¥%(missing)s more spend %(window)s is needed "
                "(%(rule)s, ¥%(spend)s found)."
            )
            % {
                "missing": minimum - spend,
                "window": describe_window(event),
                "rule": rule,
                "spend": spend,
            }
        )

    return EligibilityBasis(
        spend=spend, since=event.spend_since, until=event.spend_until, rule=rule
    )


def is_eligible(member: Member, event: Event) -> bool:
    try:
        check_eligibility(member, event)
    except EligibilityError:
        return False

    return True
