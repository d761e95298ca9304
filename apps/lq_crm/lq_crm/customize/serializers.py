"""DRF fields for custom fields, typed so that the API schema documents them."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from lq_crm.customize.registry import FieldDefinition
from lq_crm.customize.values import LONG_TEXT_MAX_LENGTH, TEXT_MAX_LENGTH


def serializer_field(definition: FieldDefinition, *, read_only: bool) -> Any:
    """Return the DRF field that reads and writes one custom field's value.

    The field's source is ``custom.<key>``, so a document without a stored
    value reads as null and a written value arrives nested under ``custom``.
    """
    common: dict[str, Any] = {
        "source": f"custom.{definition.key}",
        "label": definition.label,
        "help_text": definition.help_text or None,
        "allow_null": True,
    }
    if read_only:
        common["read_only"] = True
    else:
        common["required"] = definition.required and definition.default is None

    kind = definition.field_type
    if kind in ("text", "long_text"):
        limit = LONG_TEXT_MAX_LENGTH if kind == "long_text" else TEXT_MAX_LENGTH
        return serializers.CharField(allow_blank=True, max_length=limit, **common)
    if kind == "integer":
        return serializers.IntegerField(**common)
    if kind == "decimal":
        return serializers.DecimalField(max_digits=None, decimal_places=None, **common)
    if kind == "date":
        return serializers.DateField(**common)
    if kind == "select":
        return serializers.ChoiceField(
            choices=list(definition.options), allow_blank=True, **common
        )
    if kind == "check":
        return serializers.BooleanField(**common)
    if kind == "link":
        common["help_text"] = (
            definition.help_text or f"Primary key of a {definition.link_model}."
        )
        return serializers.IntegerField(min_value=1, **common)
    raise ValueError(f"Unknown custom field type {kind!r} of {definition.key!r}")
