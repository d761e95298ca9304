"""Desk pieces built per request from the current custom field definitions.

``DocumentAdmin`` calls these from ``get_form``, ``get_fieldsets``,
``get_list_display`` and ``get_list_filter``, so a field that an admin adds,
changes or deactivates shows on the next page load in every process.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unfold.widgets import (
    INPUT_CLASSES,
    UnfoldAdminDecimalFieldWidget,
    UnfoldAdminIntegerFieldWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminTextareaWidget,
    UnfoldAdminTextInputWidget,
    UnfoldBooleanWidget,
)

from lq_crm.customize.registry import FieldDefinition, LayoutDefinition
from lq_crm.customize.values import (
    clean_values,
    display_value,
    merge_values,
    to_python,
)

CUSTOM_SECTION_TITLE = gettext_lazy("More fields")
Fieldsets = list[tuple[Any, dict[str, Any]]]


def form_field(definition: FieldDefinition) -> forms.Field:
    """Return the Django form field that edits one custom field."""
    field = build_form_field(definition)
    # The admin labels a read-only field that is no model attribute with its
    # short_description, ignoring the form field's label.
    field.short_description = definition.label  # type: ignore[attr-defined]
    return field


def build_form_field(definition: FieldDefinition) -> forms.Field:
    common: dict[str, Any] = {
        "label": definition.label,
        "required": definition.required,
        "help_text": definition.help_text,
    }
    kind = definition.field_type
    # Fields declared on a form get Django's plain widgets, which the desk's
    # theme leaves without a border, so each gets the theme's widget.
    if kind == "long_text":
        return forms.CharField(
            widget=UnfoldAdminTextareaWidget(attrs={"rows": 3}), **common
        )
    if kind in ("integer", "link"):
        minimum = 1 if kind == "link" else None
        return forms.IntegerField(
            min_value=minimum, widget=UnfoldAdminIntegerFieldWidget, **common
        )
    if kind == "decimal":
        return forms.DecimalField(widget=UnfoldAdminDecimalFieldWidget, **common)
    if kind == "date":
        attrs = {"type": "date", "class": " ".join(INPUT_CLASSES)}
        # A date input takes only yyyy-mm-dd, whatever the desk's language.
        widget = forms.DateInput(format="%Y-%m-%d", attrs=attrs)
        return forms.DateField(widget=widget, **common)
    if kind == "select":
        choices = [("", "---------"), *((o, o) for o in definition.options)]
        return forms.ChoiceField(
            choices=choices, widget=UnfoldAdminSelectWidget, **common
        )
    if kind == "check":
        # An unticked box is a valid value, so a check box is never required.
        return forms.BooleanField(
            widget=UnfoldBooleanWidget, **{**common, "required": False}
        )
    return forms.CharField(widget=UnfoldAdminTextInputWidget, **common)


class CustomValuesFormMixin(forms.BaseForm):
    """A model form that also edits the custom field values of its instance."""

    custom_definitions: tuple[FieldDefinition, ...] = ()
    label_overrides: dict[str, str] = {}
    instance: Model

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        stored = self.instance.custom or {}  # type: ignore[attr-defined]
        for definition in self.custom_definitions:
            # A page opened without change permission shows every field
            # read-only, and the admin reads such a field as an attribute of
            # the instance. Keys never name a model attribute (CustomField
            # rejects them), so this shadows nothing.
            if not hasattr(self.instance, definition.key):
                value = display_value(definition, stored.get(definition.key))
                setattr(self.instance, definition.key, value)
            field = self.fields.get(definition.key)
            if field is None:
                continue
            if self.instance.pk is None:
                field.initial = to_python(definition, definition.default)
            else:
                field.initial = to_python(definition, stored.get(definition.key))
        for name, label in self.label_overrides.items():
            if name in self.fields:
                self.fields[name].label = label

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        keys = [d.key for d in self.custom_definitions if d.key in self.fields]
        data = {key: cleaned[key] for key in keys if key in cleaned}
        stored = self.instance.custom or {}  # type: ignore[attr-defined]
        try:
            values = clean_values(
                type(self.instance), data, partial=False, existing=stored
            )
        except ValidationError as error:
            for key, messages in error.message_dict.items():
                if key not in self.errors:
                    self.add_error(key if key in self.fields else None, messages)
            return cleaned

        if not self.errors:
            self.instance.custom = merge_values(stored, values)  # type: ignore[attr-defined]
        return cleaned


def custom_form_class(
    base: type[forms.BaseForm],
    definitions: Sequence[FieldDefinition],
    layout: LayoutDefinition | None,
    removed: Iterable[str] = (),
) -> type[forms.BaseForm]:
    """Subclass ``base`` with a form field per custom field.

    ``removed`` names declared fields of ``base`` to drop, such as those the
    admin shows read-only.
    """
    attrs: dict[str, Any] = dict.fromkeys(removed)
    attrs.update({d.key: form_field(d) for d in definitions})
    attrs["custom_definitions"] = tuple(definitions)
    attrs["label_overrides"] = (
        {field: layout.label_for(field) for field, _zh, _en in layout.labels}
        if layout
        else {}
    )
    bases = (CustomValuesFormMixin, base)
    return type(base.__name__, bases, attrs)


def names_in(fields: Sequence[Any]) -> list[str]:
    names: list[str] = []
    for entry in fields:
        if isinstance(entry, list | tuple):
            names.extend(entry)
        else:
            names.append(entry)
    return names


def without(fields: Sequence[Any], removed: set[str]) -> list[Any]:
    """Return a fieldset's field list without ``removed``, keeping rows as rows."""
    kept: list[Any] = []
    for entry in fields:
        if isinstance(entry, list | tuple):
            row = [name for name in entry if name not in removed]
            if row:
                kept.append(tuple(row))
        elif entry not in removed:
            kept.append(entry)
    return kept


def arrange_fieldsets(
    fieldsets: Sequence[tuple[Any, dict[str, Any]]],
    definitions: Sequence[FieldDefinition],
    layout: LayoutDefinition | None,
) -> Fieldsets:
    """Place the custom fields and apply the layout to the admin's fieldsets.

    Sections listed in the layout come first, in its order. Standard fields
    they do not list stay in their original sections, and custom fields
    they do not list join the section named by their ``section``, or a new
    section with that title at the end.
    """
    custom_keys = {d.key for d in definitions}
    hidden = set(layout.hidden_fields) if layout else set()
    standard = [
        (title, {**options, "fields": without(options["fields"], custom_keys | hidden)})
        for title, options in fieldsets
    ]
    available = {name for _title, o in standard for name in names_in(o["fields"])}
    available |= custom_keys

    arranged: Fieldsets = []
    placed: set[str] = set()
    for section in layout.sections if layout else ():
        names = [n for n in section.fields if n in available and n not in placed]
        placed.update(names)
        options: dict[str, Any] = {"fields": names}
        if section.collapsed:
            options["classes"] = ["collapse"]
        arranged.append((section.title or None, options))
    for title, options in standard:
        arranged.append(
            (title, {**options, "fields": without(options["fields"], placed)})
        )

    for definition in sorted(definitions, key=lambda d: d.position):
        if definition.key not in placed:
            append_to_section(arranged, definition.section, definition.key)
    return [(title, options) for title, options in arranged if options["fields"]]


def append_to_section(fieldsets: Fieldsets, section: str, key: str) -> None:
    title = section.strip() or str(CUSTOM_SECTION_TITLE)
    for existing, options in fieldsets:
        if existing is not None and str(existing) == title:
            options["fields"] = [*options["fields"], key]
            return
    fieldsets.append((title, {"fields": [key]}))


def list_column(definition: FieldDefinition) -> Callable[[Model], str]:
    """Return a list_display callable that shows one custom field."""

    def column(obj: Model) -> str:
        stored = (getattr(obj, "custom", None) or {}).get(definition.key)
        return display_value(definition, stored)

    column.__name__ = f"custom_{definition.key}"
    column.short_description = definition.label  # type: ignore[attr-defined]
    column.admin_order_field = f"custom__{definition.key}"  # type: ignore[attr-defined]
    return column


def list_filter(definition: FieldDefinition) -> type[admin.SimpleListFilter]:
    """Return a list filter class for a select or check custom field."""
    if definition.field_type == "check":
        choices: list[tuple[str, str]] = [("1", _("Yes")), ("0", _("No"))]
    else:
        choices = [(option, option) for option in definition.options]
    key = definition.key

    class CustomValueFilter(admin.SimpleListFilter):
        title = definition.label
        parameter_name = f"custom_{key}"

        def lookups(self, request: HttpRequest, model_admin: Any) -> list:
            return choices

        def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
            value = self.value()
            if value is None:
                return queryset
            if definition.field_type == "check" and value == "1":
                return queryset.filter(**{f"custom__{key}": True})
            if definition.field_type == "check":
                # A document saved before the field existed has no value,
                # which counts as an unticked box.
                unticked = Q(**{f"custom__{key}": False})
                return queryset.filter(unticked | ~Q(custom__has_key=key))
            return queryset.filter(**{f"custom__{key}": value})

    CustomValueFilter.__name__ = f"CustomValueFilter_{key}"
    return CustomValueFilter


def filterable(definitions: Iterable[FieldDefinition]) -> list[FieldDefinition]:
    return [d for d in definitions if d.field_type in ("select", "check")]
