"""Desk lists of candidate pairs and merges; decisions happen on the review pages."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin

from lq_crm.core.admin import CityScopedAdminMixin, ReadOnlyAdminMixin
from lq_crm.duplicates.models import DuplicateCandidate, Merge
from lq_crm.duplicates.review import merges_visible_to, pairs_visible_to


@admin.register(DuplicateCandidate)
class DuplicateCandidateAdmin(CityScopedAdminMixin, ReadOnlyAdminMixin, ModelAdmin):
    list_display = [
        "member_low",
        "member_high",
        "score",
        "reasons_display",
        "status",
        "found_at",
        "review_link",
    ]
    list_filter = ["status"]
    list_select_related = ["member_low", "member_high"]
    search_fields = ["member_low__name", "member_high__name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return pairs_visible_to(super().get_queryset(request), request.user)

    @admin.display(description=_("reasons"))
    def reasons_display(self, obj: DuplicateCandidate) -> str:
        return ", ".join(obj.reason_labels)

    @admin.display(description=_("review"))
    def review_link(self, obj: DuplicateCandidate) -> str:
        url = reverse("duplicates:review", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Review"))


@admin.register(Merge)
class MergeAdmin(CityScopedAdminMixin, ReadOnlyAdminMixin, ModelAdmin):
    list_display = ["number_display", "survivor", "merged", "status", "created", "link"]
    list_filter = ["status"]
    list_select_related = ["survivor", "merged"]
    search_fields = ["survivor__name", "merged__name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return merges_visible_to(super().get_queryset(request), request.user)

    @admin.display(description=_("number"), ordering="pk")
    def number_display(self, obj: Merge) -> str:
        return obj.number

    @admin.display(description=_("details"))
    def link(self, obj: Merge) -> str:
        url = reverse("duplicates:merge", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Open"))
