"""The portal's sign-in, kept in the Django session apart from desk users.

Desk users are signed in by ``django.contrib.auth`` under its own session
keys. The portal stores the household's id under ``MEMBER_KEY`` and never
creates a Django user for it, so signing in or out of one leaves the other
as it was.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth import SESSION_KEY as AUTH_SESSION_KEY
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from lq_crm.doctype.member.models import Member
from lq_crm.portal.member.config import portal_limits

MEMBER_KEY = "member_portal_member_id"
SIGNED_IN_AT_KEY = "member_portal_signed_in_at"
# The phone whose code was verified, kept so that a person whose phone
# several households share may choose between them.
VERIFIED_PHONE_KEY = "member_portal_verified_phone"
# When that code was verified, in seconds since the epoch. A household may be
# chosen only within portal_code_ttl_seconds of it.
VERIFIED_AT_KEY = "member_portal_verified_at"
# The ids of the households that used the verified phone at that moment, so a
# household that gets the number later cannot be chosen with the old code.
VERIFIED_HOUSEHOLDS_KEY = "member_portal_verified_households"
# The phone waiting for its sign-in code, set before any household lookup.
PENDING_PHONE_KEY = "member_portal_pending_phone"
# The new phone a signed-in household is confirming by code.
NEW_PHONE_KEY = "member_portal_new_phone"
# The portal page to show once the sign-in is complete.
NEXT_KEY = "member_portal_next"


class MemberRequest(HttpRequest):
    """A request that ``member_required`` let through, with its household."""

    member: Member


PORTAL_KEYS = (
    MEMBER_KEY,
    SIGNED_IN_AT_KEY,
    VERIFIED_PHONE_KEY,
    VERIFIED_AT_KEY,
    VERIFIED_HOUSEHOLDS_KEY,
    PENDING_PHONE_KEY,
    NEW_PHONE_KEY,
    NEXT_KEY,
)


def verify_phone(request: HttpRequest, phone: str, households: list[Member]) -> None:
    """Record that the visitor proved ``phone`` now, under a new session key.

    ``households`` are those that use the phone at this moment, the only ones
    the visitor may choose later.
    """
    request.session.cycle_key()
    request.session.pop(PENDING_PHONE_KEY, None)
    request.session[VERIFIED_PHONE_KEY] = phone
    request.session[VERIFIED_AT_KEY] = int(time.time())
    request.session[VERIFIED_HOUSEHOLDS_KEY] = [member.pk for member in households]


def forget_verified_phone(request: HttpRequest) -> None:
    for key in (VERIFIED_PHONE_KEY, VERIFIED_AT_KEY, VERIFIED_HOUSEHOLDS_KEY):
        request.session.pop(key, None)


def choosable_household_ids(request: HttpRequest) -> list[int]:
    """Return the ids of the households the visitor may choose now.

    The list is empty unless a phone was verified less than
    ``portal_code_ttl_seconds`` ago. After that a new code is needed, and
    the verified phone is removed from the session.
    """
    verified_at = request.session.get(VERIFIED_AT_KEY)
    if not request.session.get(VERIFIED_PHONE_KEY) or verified_at is None:
        return []

    if time.time() - verified_at > portal_limits().code_ttl_seconds:
        forget_verified_phone(request)
        return []

    return [int(pk) for pk in request.session.get(VERIFIED_HOUSEHOLDS_KEY, [])]


def sign_in(request: HttpRequest, member: Member) -> None:
    """Sign ``member`` in for ``portal_session_hours``, under a new session key.

    The Django session is set to expire with the sign-in, unless a desk user
    is signed in in the same browser, because that would cut the desk
    session short. current_member enforces the sign-in's limit either way.
    """
    request.session.cycle_key()
    request.session[MEMBER_KEY] = member.pk
    request.session[SIGNED_IN_AT_KEY] = int(time.time())
    if AUTH_SESSION_KEY not in request.session:
        request.session.set_expiry(portal_limits().session_hours * 3600)


def sign_out(request: HttpRequest) -> None:
    """Remove the portal's keys only, so a desk user in the same browser stays."""
    for key in PORTAL_KEYS:
        request.session.pop(key, None)
    if AUTH_SESSION_KEY not in request.session:
        # Return to the site's session lifetime that sign_in shortened.
        request.session.set_expiry(None)
    request.session.cycle_key()


def current_member(request: HttpRequest) -> Member | None:
    """Return the signed-in household, or None once its sign-in has expired."""
    member_id = request.session.get(MEMBER_KEY)
    if member_id is None:
        return None

    signed_in_at = request.session.get(SIGNED_IN_AT_KEY, 0)
    max_age = portal_limits().session_hours * 3600
    if time.time() - signed_in_at > max_age:
        sign_out(request)
        return None

    member = Member.objects.select_related("tier", "city").filter(pk=member_id).first()
    if member is None:
        sign_out(request)
    return member


def member_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Let only a signed-in household through, as ``request.member``.

    Others go to the sign-in page, which returns them here afterwards.
    """

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        member = current_member(request)
        if member is None:
            query = urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(f"{reverse('member_portal:sign-in')}?{query}")

        request.member = member  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return guarded
