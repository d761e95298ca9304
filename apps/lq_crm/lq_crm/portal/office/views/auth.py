"""Sign in and out of the portal, and pick the city to work on."""

from __future__ import annotations

import logging
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView, LogoutView, redirect_to_login
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View

from lq_crm.core.versions import CACHE_ERRORS
from lq_crm.portal.office.forms import CityForm
from lq_crm.portal.office.scope import choose_city, may_use_portal, office_cities

logger = logging.getLogger(__name__)

FAILED_LOGIN_LIMIT = 5
FAILED_LOGIN_WINDOW = 15 * 60  # seconds


def failed_login_key(username: str, request: HttpRequest | None) -> str:
    address = request.META.get("REMOTE_ADDR", "") if request is not None else ""
    return f"office-portal:failed-login:{username.strip().lower()}:{address}"


def failures(key: str) -> int:
    """Return the failed sign-ins counted under ``key``, or 0 when the cache is down.

    Staff must still be able to sign in while Redis is down, so the lock is
    not applied then.
    """
    try:
        return int(cache.get(key, 0))
    except CACHE_ERRORS as error:
        logger.warning("Portal login lock not checked: cache unreachable (%s)", error)
        return 0


def record_failure(key: str) -> None:
    try:
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, FAILED_LOGIN_WINDOW)
    except CACHE_ERRORS as error:
        logger.warning(
            "Portal login failure not counted: cache unreachable (%s)", error
        )


def forget_failures(key: str) -> None:
    try:
        cache.delete(key)
    except CACHE_ERRORS as error:
        logger.warning(
            "Portal login failures not cleared: cache unreachable (%s)", error
        )


class OfficeLoginForm(AuthenticationForm):
    """Django's login form, limited to portal users and to a few failures.

    After FAILED_LOGIN_LIMIT failed attempts for one user name from one
    address, further attempts are rejected until FAILED_LOGIN_WINDOW seconds
    after the first failure have passed. While the cache is unreachable no
    failure is counted and no account is locked.
    """

    def clean(self) -> dict[str, Any]:
        username = self.data.get("username", "")
        key = failed_login_key(username, self.request)
        if failures(key) >= FAILED_LOGIN_LIMIT:
            logger.warning("Portal login locked after repeated failures")
            raise forms.ValidationError(
                _("Too many failed sign-ins: wait 15 minutes and try again."),
                code="locked",
            )

        try:
            cleaned = super().clean()
        except forms.ValidationError:
            record_failure(key)
            raise

        forget_failures(key)
        return cleaned

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if not may_use_portal(user):
            raise forms.ValidationError(
                _(
                    "This account cannot use the office portal: ask head office "
                    "for an office role."
                ),
                code="no_portal_access",
            )


class OfficeLoginView(LoginView):
    template_name = "office_portal/login.html"
    authentication_form = OfficeLoginForm
    redirect_authenticated_user = True
    next_page = "office_portal:dashboard"


class OfficeLogoutView(LogoutView):
    next_page = "office_portal:login"


class CityView(View):
    """Let a user who sees several cities pick the one to work on."""

    template_name = "office_portal/city.html"

    def dispatch(
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(
                request.get_full_path(), reverse("office_portal:login")
            )
        if not may_use_portal(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        form = CityForm(cities=office_cities(request.user))
        return self.show(request, form)

    def post(self, request: HttpRequest) -> HttpResponse:
        form = CityForm(request.POST, cities=office_cities(request.user))
        if not form.is_valid():
            return self.show(request, form)

        choose_city(request, form.cleaned_data["city"])
        return HttpResponseRedirect(self.next_url(request))

    def show(self, request: HttpRequest, form: CityForm) -> HttpResponse:
        cities = office_cities(request.user)
        context = {
            "form": form,
            "has_cities": cities.exists(),
            "next": self.next_url(request),
        }
        return render(request, self.template_name, context)

    def next_url(self, request: HttpRequest) -> str:
        target = request.POST.get("next") or request.GET.get("next") or ""
        if url_has_allowed_host_and_scheme(
            target,
            allowed_hosts={request.get_host()},
            require_https=request.is_secure(),
        ):
            return target
        return reverse("office_portal:dashboard")
