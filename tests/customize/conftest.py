"""Helpers to define custom fields as an admin would, with full validation."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model

from lq_crm.customize.models import CustomField

SOURCE_OPTIONS = "门店\n社区\n校园\n万人游蛇园"


def define_field(model: type[Model], key: str, **values: Any) -> CustomField:
    """Create a custom field of ``model`` after running the desk's checks."""
    values.setdefault("label_zh", key)
    values.setdefault("field_type", CustomField.FieldType.TEXT)
    field = CustomField(
        document_type=ContentType.objects.get_for_model(model), key=key, **values
    )
    field.full_clean()
    field.save()
    return field


def define_source_field(model: type[Model], **values: Any) -> CustomField:
    values.setdefault("label_zh", "获知渠道")
    values.setdefault("label_en", "Heard of us via")
    return define_field(
        model,
        "source",
        field_type=CustomField.FieldType.SELECT,
        options=SOURCE_OPTIONS,
        **values,
    )
