"""Validate and convert custom field values, the same way on every path.

The desk form and the API serializers pass written values through
``clean_values``, so a value is stored in the same JSON form whichever path
wrote it. Text is stored as a string, a whole number as an int and a decimal
as a string, to avoid float rounding. A date is stored as ``YYYY-MM-DD``, a
select option as its text, a check box as a bool and a link as the linked
document's primary key.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils.translation import gettext as _

from lq_crm.customize.registry import FieldDefinition, active_fields

TEXT_MAX_LENGTH = 255
LONG_TEXT_MAX_LENGTH = 10_000
TRUE_WORDS = {"1", "true", "yes", "y", "on", "是", "✓"}
FALSE_WORDS = {"0", "false", "no", "n", "off", "否"}


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def clean_value(definition: FieldDefinition, value: Any) -> Any:
    """Return ``value`` in its stored JSON form, or None for an empty value.

    Raises ValidationError with a message that names the rejected value.
    """
    if is_empty(value):
        return None

    cleaner = CLEANERS[definition.field_type]
    return cleaner(definition, value.strip() if isinstance(value, str) else value)


def clean_text(definition: FieldDefinition, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise ValidationError(_("Enter text, not %(value)r.") % {"value": value})
    text = str(value)
    limit = (
        LONG_TEXT_MAX_LENGTH
        if definition.field_type == "long_text"
        else TEXT_MAX_LENGTH
    )
    if len(text) > limit:
        raise ValidationError(
            _("Enter at most %(limit)d characters; this text has %(length)d.")
            % {"limit": limit, "length": len(text)}
        )
    return text


def clean_integer(definition: FieldDefinition, value: Any) -> int:
    invalid = ValidationError(
        _("'%(value)s' is not a whole number.") % {"value": value}
    )
    if isinstance(value, bool):
        raise invalid
    if isinstance(value, int):
        return value
    if isinstance(value, float | Decimal) and value == int(value):
        return int(value)
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            raise invalid from None
    raise invalid


def clean_decimal(definition: FieldDefinition, value: Any) -> str:
    invalid = ValidationError(_("'%(value)s' is not a number.") % {"value": value})
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise invalid
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise invalid from None
    if not number.is_finite():
        raise invalid
    return str(number)


def clean_date(definition: FieldDefinition, value: Any) -> str:
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    try:
        return datetime.date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise ValidationError(
            _("'%(value)s' is not a date in the form YYYY-MM-DD.") % {"value": value}
        ) from None


def clean_select(definition: FieldDefinition, value: Any) -> str:
    text = str(value)
    if text not in definition.options:
        raise ValidationError(
            _("'%(value)s' is not one of the options: %(options)s.")
            % {"value": text, "options": ", ".join(definition.options)}
        )
    return text


def clean_check(definition: FieldDefinition, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValidationError(
        _("'%(value)s' is not yes or no; use 1 or 0.") % {"value": value}
    )


def clean_link(definition: FieldDefinition, value: Any) -> int:
    model = apps.get_model(definition.link_model)
    if isinstance(value, Model):
        value = value.pk
    try:
        pk = clean_integer(definition, value)
    except ValidationError:
        raise ValidationError(
            _("'%(value)s' is not the id of a %(type)s.")
            % {"value": value, "type": model._meta.verbose_name}
        ) from None
    if not model._default_manager.filter(pk=pk).exists():
        raise ValidationError(
            _("No %(type)s has the id %(pk)s.")
            % {"type": model._meta.verbose_name, "pk": pk}
        )
    return pk


CLEANERS = {
    "text": clean_text,
    "long_text": clean_text,
    "integer": clean_integer,
    "decimal": clean_decimal,
    "date": clean_date,
    "select": clean_select,
    "check": clean_check,
    "link": clean_link,
}


def parse_default(definition: FieldDefinition, text: str) -> Any:
    """Return the stored form of a default typed in the desk, or None if invalid."""
    try:
        return clean_value(definition, text)
    except (ValidationError, LookupError):
        return None


def clean_values(
    model: type[Model],
    data: Mapping[str, Any],
    *,
    partial: bool,
    existing: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Validate the custom field values in ``data`` for a document of ``model``.

    Returns the values to store, with None for a value to remove. Unless
    ``partial``, an active field missing from ``data`` gets its default when
    ``existing`` (the stored values) has none, and a missing required field
    with neither is an error. Raises ValidationError keyed by field key.
    """
    definitions = {field.key: field for field in active_fields(model)}
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for key, raw in data.items():
        definition = definitions.get(key)
        if definition is None:
            errors[key] = [_("'%(key)s' is not an active custom field.") % {"key": key}]
            continue
        try:
            cleaned[key] = clean_value(definition, raw)
        except ValidationError as error:
            errors[key] = error.messages
            continue
        if cleaned[key] is None and definition.required:
            errors[key] = [_("This field is required.")]

    if not partial:
        stored = existing or {}
        for key, definition in definitions.items():
            if key in data or stored.get(key) is not None:
                continue
            if definition.default is not None:
                cleaned[key] = definition.default
            elif definition.required:
                errors[key] = [_("This field is required.")]

    if errors:
        raise ValidationError(errors)
    return cleaned


def merge_values(
    existing: Mapping[str, Any] | None, cleaned: Mapping[str, Any]
) -> dict:
    """Return ``existing`` updated with ``cleaned``, where None removes a key."""
    merged = dict(existing or {})
    for key, value in cleaned.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def to_python(definition: FieldDefinition, stored: Any) -> Any:
    """Return a stored value as the Python type of its field, for forms and cells."""
    if stored is None:
        return None
    try:
        if definition.field_type == "decimal":
            return Decimal(str(stored))
        if definition.field_type == "date":
            return datetime.date.fromisoformat(str(stored))
    except (InvalidOperation, ValueError):
        # A value stored before the field's type changed: show it as it is.
        return stored
    return stored


def display_value(definition: FieldDefinition, stored: Any) -> str:
    """Return a stored value as text for a list cell."""
    if stored is None:
        return ""
    if definition.field_type == "check":
        return _("Yes") if stored else _("No")
    return str(stored)
