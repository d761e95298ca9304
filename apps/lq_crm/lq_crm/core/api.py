"""Pieces that every document type's API shares."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request

from lq_crm.customize.registry import active_fields
from lq_crm.customize.serializers import serializer_field
from lq_crm.customize.values import clean_values, merge_values


class NumberField(serializers.ReadOnlyField):
    """The document's readable number, such as PS-2026-000123."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "Readable number to quote on the phone.")
        super().__init__(**kwargs)


class CustomFieldsSerializerMixin:
    """Add the active custom fields of ``Meta.model`` as top-level fields.

    Put it first in a ModelSerializer's bases. The fields are built each time
    a serializer is created, so the API and its schema follow the current
    definitions. Written values are checked by ``clean_values`` and stored in
    the document's ``custom`` field, keeping the values of fields not sent.
    A serializer whose ``read_only_fields`` lists all its fields gets the
    custom fields read-only too.
    """

    Meta: Any
    instance: Any
    partial: bool

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()  # type: ignore[misc]
        read_only = self.all_read_only()
        for definition in active_fields(self.Meta.model):
            # A standard field of the same name wins, though the desk rejects such keys.
            if definition.key not in fields:
                fields[definition.key] = serializer_field(
                    definition, read_only=read_only
                )
        return fields

    def all_read_only(self) -> bool:
        declared = getattr(self.Meta, "fields", None)
        read_only = getattr(self.Meta, "read_only_fields", ())
        return isinstance(declared, list | tuple) and set(declared) <= set(read_only)

    def to_internal_value(self, data: Any) -> Any:
        attrs = super().to_internal_value(data)  # type: ignore[misc]
        given = attrs.pop("custom", {})
        if self.partial and not given:
            return attrs

        existing = getattr(self.instance, "custom", None) or {}
        try:
            cleaned = clean_values(
                self.Meta.model, given, partial=self.partial, existing=existing
            )
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict) from None
        attrs["custom"] = merge_values(existing, cleaned)
        return attrs


def require_permission(request: Request, permission: str) -> None:
    """Raise 403 unless the user has ``permission`` (``app_label.codename``)."""
    if not request.user.has_perm(permission):
        raise PermissionDenied()
