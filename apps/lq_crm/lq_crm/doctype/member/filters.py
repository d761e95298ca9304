"""The desk list filter for the rows of one household."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from lq_crm.core.scoping import visible_to
from lq_crm.doctype.member.models import Member


class HouseholdFilter(admin.SimpleListFilter):
    """The household that a list was opened for from the household's page.

    It offers no choices of its own. With a household chosen, the list shows
    it as the active filter, which the desk's button clears. A household the
    user may not see is not named, and its rows are not shown.
    """

    title = _("household")
    parameter_name = "member"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        member = self.chosen(request)
        return [(str(member.pk), str(member))] if member is not None else []

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        if self.value() is None:
            return queryset

        member = self.chosen(request)
        if member is None:
            return queryset.none()
        return queryset.filter(member=member)

    def chosen(self, request: HttpRequest) -> Member | None:
        value = self.value()
        if value is None or not str(value).isdigit():
            return None
        return visible_to(Member.objects.all(), request.user).filter(pk=value).first()
