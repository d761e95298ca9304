"""Desk building blocks that the document types' admins share."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.db.models import Q, QuerySet
from django.forms import ModelChoiceField
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin

from lq_crm.access.scope import allowed_city_ids
from lq_crm.core.models import Document, parse_number
from lq_crm.doctype.region.models import Region


class DocumentAdmin(SimpleHistoryAdmin, ModelAdmin):
    """Admin of a Document: readable number column and search, stamps, history.

    Put ``number_display`` in ``list_display``. Searching for a readable
    number such as ``PS-2026-000123`` finds that document in addition to the
    matches of ``search_fields``.
    """

    document_readonly_fields: tuple[str, ...] = ("number_display", "owner", "created")

    @admin.display(description=_("number"), ordering="pk")
    def number_display(self, obj: Document) -> str:
        return obj.number

    def get_readonly_fields(
        self, request: HttpRequest, obj: Any = None
    ) -> tuple[str, ...]:
        own = tuple(super().get_readonly_fields(request, obj))
        return own + tuple(f for f in self.document_readonly_fields if f not in own)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        results, may_have_duplicates = super().get_search_results(
            request, queryset, search_term
        )
        pk = parse_number(self.model, search_term)
        if pk is not None:
            results = results | queryset.filter(pk=pk)
        return results, may_have_duplicates

    def save_model(
        self, request: HttpRequest, obj: Any, form: Any, change: bool
    ) -> None:
        if not change and obj.owner_id is None and request.user.is_authenticated:
            obj.owner_id = request.user.pk
        super().save_model(request, obj, form, change)


class CityScopedAdminMixin:
    """Limit the rows and the city choices to the cities of the user's scope.

    ``city_field`` is the lookup from the model to its city. A user without a
    city scope (head office) gets every city.
    """

    city_field = "city"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)  # type: ignore[misc]
        city_ids = allowed_city_ids(request.user)
        if city_ids is None:
            return queryset

        return queryset.filter(**{f"{self.city_field}__in": city_ids})

    def formfield_for_foreignkey(
        self, db_field: models.ForeignKey, request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField | None:
        field = super().formfield_for_foreignkey(  # type: ignore[misc]
            db_field, request, **kwargs
        )
        if field is None or db_field.remote_field.model is not Region:
            return field

        city_ids = allowed_city_ids(request.user)
        if city_ids is not None:
            field.queryset = field.queryset.filter(
                Q(pk__in=city_ids) | Q(parent__in=city_ids)
            )
        return field


class ReadOnlyAdminMixin:
    """Show rows without letting anyone add, change or delete them."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
