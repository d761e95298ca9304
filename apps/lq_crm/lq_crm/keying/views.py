"""The keying screen in the desk and the small JSON endpoints its script calls."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from lq_crm.access.scope import allowed_city_ids
from lq_crm.core.scoping import visible_to
from lq_crm.doctype.member.models import Member
from lq_crm.doctype.region.models import Region
from lq_crm.keying.cards import check_typed_card
from lq_crm.keying.forms import NEW_HOUSEHOLD, LineFormSet, PaperFormForm
from lq_crm.keying.matches import HouseholdMatch, find_household_matches
from lq_crm.keying.paper import KeyingError
from lq_crm.keying.proposal import RegionProposal, propose_region
from lq_crm.keying.services import KeyingResult, key_paper_form, may_key_forms

logger = logging.getLogger(__name__)

View = Callable[..., HttpResponse]


def keying_view(view: View) -> View:
    """Wrap a view for the desk: staff login first, then 403 without the rights."""

    @wraps(view)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not may_key_forms(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return admin.site.admin_view(checked)


# The screen --------------------------------------------------------------------


@keying_view
def paper_form(request: HttpRequest) -> HttpResponse:
    """Show an empty keying form on GET, and save the keyed form on POST."""
    if request.method != "POST":
        form = PaperFormForm(user=request.user)
        lines = LineFormSet(prefix="lines")
        return render_screen(request, form, lines, [])

    form = PaperFormForm(request.POST, user=request.user)
    lines = LineFormSet(request.POST, prefix="lines")
    if not (form.is_valid() and lines.is_valid()):
        return render_screen(request, form, lines, display_matches(form, []))

    paper = form.to_paper([line_form.to_line() for line_form in lines.forms])
    try:
        result = key_paper_form(paper, request.user)
    except KeyingError as error:
        line_errors = apply_errors(form, error.errors)
        matches = display_matches(form, error.matches)
        return render_screen(request, form, lines, matches, line_errors)

    announce(request, result)
    return redirect("keying:paper-form")


def apply_errors(form: PaperFormForm, errors: dict[str, list[str]]) -> list[str]:
    """Put each message beside its field; return those for the product lines."""
    line_errors: list[str] = []
    for field_name, field_messages in errors.items():
        for message in field_messages:
            if field_name in form.fields:
                form.add_error(field_name, message)
            else:
                line_errors.append(message)
    return line_errors


def display_matches(
    form: PaperFormForm, matches: list[HouseholdMatch]
) -> list[HouseholdMatch]:
    """Return the similar households to show again after an error.

    The service looks for them only while the clerk has not chosen, so when
    the clerk has, they are looked up here to keep the choice on screen.
    """
    if matches:
        return matches

    data = form.data
    city = data.get("city") or ""
    return find_household_matches(
        name=data.get("name", ""),
        phone=data.get("phone", ""),
        address=data.get("address", ""),
        city_id=int(city) if city.isdigit() else None,
        user=form.user,
    )


def render_screen(
    request: HttpRequest,
    form: PaperFormForm,
    lines: Any,
    matches: list[HouseholdMatch],
    line_errors: list[str] | None = None,
) -> TemplateResponse:
    context = {
        **admin.site.each_context(request),
        "title": _("Key a paper form"),
        "form": form,
        "lines": lines,
        "line_errors": line_errors or [],
        "matches": matches,
        "chosen_household": form.data.get("household", "") if form.is_bound else "",
        "new_household": NEW_HOUSEHOLD,
        "districts": district_parents(form),
        "texts": {
            "update": _("Update household"),
            "create": _("Create a new household"),
            "card": _("card"),
        },
    }
    return TemplateResponse(request, "keying/paper_form.html", context)


def district_parents(form: PaperFormForm) -> dict[str, int]:
    """Map each offered district's id to its city's id, for the script's filter."""
    queryset = form.fields["district"].queryset  # type: ignore[attr-defined]
    return {str(region.pk): region.parent_id for region in queryset}


def announce(request: HttpRequest, result: KeyingResult) -> None:
    values = {
        "member": result.member.number,
        "name": result.member.name,
        "card": result.card.card_number,
        "slip": result.slip.number if result.slip else "-",
    }
    if result.replayed:
        messages.info(
            request,
            _(
                "This form was already saved: household %(member)s %(name)s, "
                "card %(card)s, slip %(slip)s."
            )
            % values,
        )
        return

    messages.success(
        request,
        _("Saved: household %(member)s %(name)s, card %(card)s, slip %(slip)s.")
        % values,
    )
    if result.kept_fields:
        labels = [
            str(getattr(Member._meta.get_field(name), "verbose_name", name))
            for name in result.kept_fields
        ]
        messages.warning(
            request,
            _(
                "These fields of household %(member)s were kept as stored, "
                "because you may not change them: %(fields)s."
            )
            % {"member": result.member.number, "fields": ", ".join(labels)},
        )


# JSON endpoints ----------------------------------------------------------------


def region_json(region: Region | None) -> dict[str, object] | None:
    if region is None:
        return None
    return {"id": region.pk, "name": region.name}


def proposal_message(proposal: RegionProposal, outside: bool) -> str:
    if proposal.candidates:
        return _("%(district)s is in several cities: choose the city.") % {
            "district": proposal.candidates[0].name
        }
    if proposal.city is None:
        return ""
    if outside:
        return _(
            "The address is in %(city)s, outside your cities: key this form in "
            "its own city's office, or correct the address."
        ) % {"city": proposal.city.name}

    place = " ".join(
        region.name for region in (proposal.city, proposal.district) if region
    )
    return _("Proposed from the address: %(place)s") % {"place": place}


@keying_view
def region_proposal(request: HttpRequest) -> JsonResponse:
    """Return the city and district proposed for the ``address`` parameter."""
    proposal = propose_region(request.GET.get("address", ""))
    allowed = allowed_city_ids(request.user)
    outside = (
        proposal.city is not None
        and allowed is not None
        and proposal.city.pk not in allowed
    )
    return JsonResponse(
        {
            "city": region_json(proposal.city),
            "district": region_json(proposal.district),
            "candidates": [region_json(region) for region in proposal.candidates],
            "outside_scope": outside,
            "message": proposal_message(proposal, outside),
        }
    )


@keying_view
def card_check(request: HttpRequest) -> JsonResponse:
    """Return the check of the ``number`` parameter, for the ``household`` if given."""
    household_id = request.GET.get("household", "")
    household = None
    if household_id.isdigit():
        household = visible_to(
            Member.objects.filter(pk=int(household_id)), request.user
        ).first()

    check = check_typed_card(request.GET.get("number", ""), request.user, household)
    return JsonResponse(
        {
            "number": check.number,
            "state": check.state.value,
            "usable": check.usable,
            "message": check.message,
        }
    )


@keying_view
def household_matches(request: HttpRequest) -> JsonResponse:
    """Return the households similar to the name, phone, address and city given."""
    city = request.GET.get("city", "")
    matches = find_household_matches(
        name=request.GET.get("name", ""),
        phone=request.GET.get("phone", ""),
        address=request.GET.get("address", ""),
        city_id=int(city) if city.isdigit() else None,
        user=request.user,
    )
    return JsonResponse({"matches": [match.as_json() for match in matches]})
