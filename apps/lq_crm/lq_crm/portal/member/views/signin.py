"""Sign in with a phone and a code sent to it, choose a household, sign out."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from lq_crm.core.phones import mask_phone
from lq_crm.doctype.member.models import Member
from lq_crm.portal.member import session
from lq_crm.portal.member.codes import (
    CodeError,
    households_for_phone,
    request_sign_in_code,
    verify_code,
)
from lq_crm.portal.member.forms import CodeForm, HouseholdChoiceForm, PhoneForm
from lq_crm.portal.member.models import LoginCode


def client_ip(request: HttpRequest) -> str | None:
    # NOTE: behind a reverse proxy REMOTE_ADDR is the proxy's address, so the
    # per-IP limit then counts all clients together.
    return request.META.get("REMOTE_ADDR") or None


def safe_next(request: HttpRequest, target: str | None) -> str:
    home = reverse("member_portal:home")
    if not target:
        return home
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if allowed and target.startswith("/portal/") else home


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    """Ask for the phone and send a code if a household uses it."""
    if session.current_member(request) is not None:
        return redirect("member_portal:home")

    if request.method == "GET" and request.GET.get("next"):
        request.session[session.NEXT_KEY] = safe_next(request, request.GET["next"])

    form = PhoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        phone = form.cleaned_data["phone"]
        try:
            request_sign_in_code(phone, client_ip(request))
        except CodeError as error:
            form.add_error("phone", str(error))
        else:
            request.session[session.PENDING_PHONE_KEY] = phone
            return redirect("member_portal:sign-in-code")

    return render(request, "portal_member/sign_in.html", {"form": form})


@require_http_methods(["GET", "POST"])
def enter_code(request: HttpRequest) -> HttpResponse:
    """Check the code, then sign in, or let the visitor choose a household."""
    phone = request.session.get(session.PENDING_PHONE_KEY)
    if not phone:
        return redirect("member_portal:sign-in")

    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            verify_code(phone, LoginCode.Purpose.SIGN_IN, form.cleaned_data["code"])
        except CodeError as error:
            form.add_error("code", str(error))
        else:
            return after_verified(request, phone)

    context = {"form": form, "masked_phone": mask_phone(phone)}
    return render(request, "portal_member/enter_code.html", context)


def after_verified(request: HttpRequest, phone: str) -> HttpResponse:
    households = households_for_phone(phone)
    session.verify_phone(request, phone, households)
    if len(households) == 1:
        return finish_sign_in(request, households[0])
    if not households:
        # The household was removed or renumbered after the code was sent.
        messages.error(
            request,
            _("No household uses this number any more: call the service centre."),
        )
        return redirect("member_portal:sign-in")

    return redirect("member_portal:choose-household")


def finish_sign_in(request: HttpRequest, member: Member) -> HttpResponse:
    target = request.session.pop(session.NEXT_KEY, None)
    session.sign_in(request, member)
    return HttpResponseRedirect(safe_next(request, target))


@require_http_methods(["GET", "POST"])
def choose_household(request: HttpRequest) -> HttpResponse:
    """Let a person whose verified phone several households share pick one.

    Only the households that used the phone when its code was verified may
    be chosen, and only within the code's lifetime after that.
    """
    if (
        session.MEMBER_KEY in request.session
        and session.current_member(request) is None
    ):
        # The sign-in expired, and current_member removed the verified phone.
        return redirect("member_portal:sign-in")

    had_verified_phone = session.VERIFIED_AT_KEY in request.session
    allowed_ids = session.choosable_household_ids(request)
    if not allowed_ids:
        # choosable_household_ids removes the verified phone only once expired.
        if had_verified_phone and session.VERIFIED_AT_KEY not in request.session:
            messages.error(
                request,
                _("The time to choose a household has run out: request a new code."),
            )
        return redirect("member_portal:sign-in")

    phone = request.session[session.VERIFIED_PHONE_KEY]
    households = [
        household
        for household in households_for_phone(phone)
        if household.pk in allowed_ids
    ]
    form = HouseholdChoiceForm(request.POST or None, households=households)
    if request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data["member"]
        member = next(household for household in households if household.pk == chosen)
        return finish_sign_in(request, member)

    context = {"form": form, "households": households}
    return render(request, "portal_member/choose_household.html", context)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    session.sign_out(request)
    messages.success(request, _("You have signed out."))
    return redirect("member_portal:sign-in")
