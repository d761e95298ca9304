"""Read-only pages of the household's membership: overview, points, slips, tiers."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render

from lq_crm.doctype.points.services import balance
from lq_crm.doctype.tier.models import Tier
from lq_crm.portal.member import session
from lq_crm.portal.member.events import household_registrations
from lq_crm.portal.member.overview import (
    household_cards,
    household_slips,
    recent_ledger_entries,
    tier_progress,
)
from lq_crm.portal.member.session import MemberRequest, member_required

SLIPS_PER_PAGE = 20


@member_required
def home(request: MemberRequest) -> HttpResponse:
    member = request.member
    context = {
        "member": member,
        "progress": tier_progress(member),
        "points": balance(member),
        "cards": household_cards(member),
        "registrations": household_registrations(member)[:5],
        "may_switch": len(session.choosable_household_ids(request)) > 1,
    }
    return render(request, "portal_member/home.html", context)


@member_required
def points(request: MemberRequest) -> HttpResponse:
    member = request.member
    context = {
        "member": member,
        "points": balance(member),
        "entries": recent_ledger_entries(member),
    }
    return render(request, "portal_member/points.html", context)


@member_required
def slips(request: MemberRequest) -> HttpResponse:
    member = request.member
    paginator = Paginator(household_slips(member), SLIPS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "portal_member/slips.html", {"member": member, "page": page})


@member_required
def slip_detail(request: MemberRequest, pk: int) -> HttpResponse:
    member = request.member
    slip = get_object_or_404(household_slips(member), pk=pk)
    lines = slip.lines.select_related("category", "product").order_by("pk")
    context = {"member": member, "slip": slip, "lines": lines}
    return render(request, "portal_member/slip_detail.html", context)


@member_required
def benefits(request: MemberRequest) -> HttpResponse:
    member = request.member
    context = {
        "member": member,
        "progress": tier_progress(member),
        "tiers": Tier.objects.order_by("threshold"),
    }
    return render(request, "portal_member/benefits.html", context)
