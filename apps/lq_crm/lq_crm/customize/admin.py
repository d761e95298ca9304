"""Desk pages where admins define custom fields and form layouts."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unfold.admin import ModelAdmin, TabularInline

from lq_crm.customize.models import CustomField, FieldLabel, FormLayout, FormSection
from lq_crm.customize.purge import purge_values


@admin.register(CustomField)
class CustomFieldAdmin(ModelAdmin):
    list_display = [
        "label_zh",
        "key",
        "document_type",
        "field_type",
        "required",
        "section",
        "position",
        "active",
    ]
    list_filter = ["document_type", "field_type", "active"]
    search_fields = ["key", "label_zh", "label_en"]
    list_select_related = ["document_type"]
    actions = ["purge"]
    fieldsets = [
        (None, {"fields": ["document_type", "key", "label_zh", "label_en"]}),
        (
            gettext_lazy("Value"),
            {"fields": ["field_type", "options", "link_type", "required", "default"]},
        ),
        (
            gettext_lazy("Display"),
            {"fields": ["help_text", "section", "position", "list_column", "active"]},
        ),
    ]

    def get_readonly_fields(
        self, request: HttpRequest, obj: CustomField | None = None
    ) -> tuple[str, ...]:
        # Values are stored under the key in each document of the type, so
        # changing either would orphan them.
        if obj is not None:
            return ("document_type", "key")
        return ()

    @admin.action(
        description=gettext_lazy("Purge stored values of inactive fields"),
        permissions=["delete"],
    )
    def purge(self, request: HttpRequest, queryset: QuerySet[CustomField]) -> None:
        active = [field.key for field in queryset if field.active]
        if active:
            self.message_user(
                request,
                _("Deactivate these fields before purging their values: %(keys)s.")
                % {"keys": ", ".join(active)},
                messages.ERROR,
            )
            return

        total = 0
        with transaction.atomic():
            for field in queryset.select_related("document_type"):
                total += purge_values(field)
        self.message_user(
            request,
            _("Removed %(count)d stored values.") % {"count": total},
            messages.SUCCESS,
        )


class FormSectionInline(TabularInline):
    model = FormSection
    fields = ["position", "title_zh", "title_en", "fields", "collapsed"]
    extra = 0


class FieldLabelInline(TabularInline):
    model = FieldLabel
    fields = ["field", "label_zh", "label_en"]
    extra = 0


@admin.register(FormLayout)
class FormLayoutAdmin(ModelAdmin):
    list_display = ["__str__"]
    fields = ["document_type", "hidden_fields", "readonly_fields"]
    inlines = [FormSectionInline, FieldLabelInline]
