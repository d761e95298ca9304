from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin

from lq_crm.doctype.club.models import ClubSettings


@admin.register(ClubSettings)
class ClubSettingsAdmin(SimpleHistoryAdmin, ModelAdmin):
    """The list opens the one settings row, which cannot be added or deleted."""

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied

        settings = ClubSettings.load()
        return HttpResponseRedirect(
            reverse("admin:club_clubsettings_change", args=[settings.pk])
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
