"""Open events with the household's eligibility, registering and cancelling."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from lq_crm.doctype.event.eligibility import RegistrationError
from lq_crm.doctype.event.models import Registration
from lq_crm.portal.member.events import (
    CANCELLABLE,
    cancel_household_registration,
    eligibility_of,
    events_visible_to,
    household_registrations,
    open_events_for,
    person_options,
    register_household,
)
from lq_crm.portal.member.forms import RegistrationForm
from lq_crm.portal.member.session import MemberRequest, member_required


@member_required
def event_list(request: MemberRequest) -> HttpResponse:
    member = request.member
    context = {
        "member": member,
        "choices": open_events_for(member),
        "registrations": household_registrations(member),
        "cancellable": CANCELLABLE,
    }
    return render(request, "portal_member/events.html", context)


@member_required
@require_http_methods(["GET", "POST"])
def event_detail(request: MemberRequest, pk: int) -> HttpResponse:
    """Show one event with the household's eligibility, and register on POST."""
    member = request.member
    event = get_object_or_404(events_visible_to(member), pk=pk)
    form = RegistrationForm(
        request.POST or None, event=event, persons=person_options(member)
    )
    if request.method == "POST" and form.is_valid():
        try:
            registration = register_household(
                member,
                event,
                form.cleaned_data["persons"],
                departure=form.chosen_departure(),
                waitlist_rest=form.cleaned_data["waitlist_rest"],
            )
        except RegistrationError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, registered_message(registration))
            return redirect("member_portal:event", pk=event.pk)

    context = {
        "member": member,
        "choice": eligibility_of(member, event),
        "form": form,
    }
    return render(request, "portal_member/event_detail.html", context)


def registered_message(registration: Registration) -> str:
    if registration.status == Registration.Status.CONFIRMED:
        return _("Registration %(number)s is confirmed.") % {
            "number": registration.number
        }
    if registration.status == Registration.Status.WAITLISTED:
        return _(
            "The event is full: registration %(number)s is number %(position)s "
            "on the waiting list."
        ) % {
            "number": registration.number,
            "position": registration.waitlist_position,
        }

    return _(
        "Registration %(number)s is received; seats are drawn by lottery after "
        "registration closes."
    ) % {"number": registration.number}


@member_required
@require_http_methods(["GET", "POST"])
def cancel_registration(request: MemberRequest, pk: int) -> HttpResponse:
    """Ask for confirmation, then cancel the household's own registration."""
    member = request.member
    registration = get_object_or_404(household_registrations(member), pk=pk)
    if request.method == "POST":
        try:
            cancel_household_registration(member, registration)
        except RegistrationError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("Registration %(number)s is cancelled.")
                % {"number": registration.number},
            )
        return redirect("member_portal:events")

    context = {"member": member, "registration": registration}
    return render(request, "portal_member/cancel_registration.html", context)
