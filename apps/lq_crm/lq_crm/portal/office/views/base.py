"""The base of every signed-in portal page: access, the current city, its rows."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from lq_crm.doctype.region.models import Region
from lq_crm.portal.office.scope import (
    city_rows,
    current_city,
    may_use_portal,
    require_writable,
)

PAGE_SIZE = 25

# The permissions of the pages that write; the views and the navigation bar
# both read them.
SLIP_ENTRY_PERMISSIONS = ("slip.add_purchaseslip", "slip.submit_purchaseslip")
# Issuing a card is a change of the card: store clerks, who may not change
# cards, hand sign-up forms to their regional office.
SIGN_UP_PERMISSIONS = ("member.add_member", "card.change_card", *SLIP_ENTRY_PERMISSIONS)
REGISTER_PERMISSIONS = ("event.add_registration",)
CHECK_IN_PERMISSIONS = ("event.checkin_registration",)

# The navigation bar: URL name, label and the permissions the page needs.
NAVIGATION = [
    ("office_portal:dashboard", _("Dashboard"), ()),
    ("office_portal:slip-entry", _("Enter slip"), SLIP_ENTRY_PERMISSIONS),
    ("office_portal:sign-up", _("Sign up"), SIGN_UP_PERMISSIONS),
    ("office_portal:register", _("Register"), REGISTER_PERMISSIONS),
    ("office_portal:check-in", _("Check in"), CHECK_IN_PERMISSIONS),
    ("office_portal:members", _("Members"), ()),
    ("office_portal:cards", _("Cards"), ("card.view_card",)),
    ("office_portal:slips", _("Slips"), ("slip.view_purchaseslip",)),
    (
        "office_portal:registrations",
        _("Registrations"),
        ("event.view_registration",),
    ),
]


class OfficePage(TemplateView):
    """A portal page of the current city for users who may use the portal.

    An anonymous visitor is sent to the portal's login page, a user without
    the page's permissions gets 403, and a user who has not picked a city yet
    is sent to the city picker.
    """

    permissions: tuple[str, ...] = ()
    city: Region

    def dispatch(
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(
                request.get_full_path(), reverse("office_portal:login")
            )
        if not may_use_portal(user) or not user.has_perms(self.permissions):
            raise PermissionDenied

        city = current_city(request)
        if city is None:
            query = urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(f"{reverse('office_portal:city')}?{query}")

        self.city = city
        return super().dispatch(request, *args, **kwargs)

    def rows(self, queryset: QuerySet) -> QuerySet:
        """Return the rows of ``queryset`` that the user may see in the city."""
        return city_rows(queryset, self.request.user, self.city)

    def get_row(self, queryset: QuerySet, pk: int) -> Any:
        """Return one row of the city, or raise Http404 for any other."""
        return get_object_or_404(self.rows(queryset), pk=pk)

    def require_writable(self, instance: models.Model) -> None:
        require_writable(instance, self.request.user)

    def paginate(self, queryset: QuerySet) -> Page:
        paginator = Paginator(queryset, PAGE_SIZE)
        return paginator.get_page(self.request.GET.get("page"))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["city"] = self.city
        context["navigation"] = navigation_for(self.request)
        return context


def navigation_for(request: HttpRequest) -> list[dict[str, Any]]:
    user = request.user
    current = request.resolver_match.view_name if request.resolver_match else ""
    return [
        {"url": reverse(name), "label": label, "active": name == current}
        for name, label, permissions in NAVIGATION
        if user.has_perms(permissions)
    ]
