"""Read custom field definitions and form layouts through the shared cache.

Forms, lists, serializers and exports read definitions on every request, so
they are kept as frozen snapshots in the Django cache (Redis in production)
and in a per-process memo, both keyed by the version token ``VERSION_KEY``
(see lq_crm.core.versions). Saving or deleting a definition replaces the
token once the transaction commits, so the next read in any web or worker
process rebuilds from the database without a restart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.db.models.signals import post_delete, post_save
from django.utils.translation import get_language

from lq_crm.core import versions
from lq_crm.customize.models import (
    CustomField,
    FieldLabel,
    FormLayout,
    FormSection,
    split_names,
)

VERSION_KEY = "customize:version"
DEFINITION_TIMEOUT = 24 * 3600


def in_chinese() -> bool:
    return (get_language() or "zh-hans").lower().startswith("zh")


def pick_label(chinese: str, english: str, fallback: str) -> str:
    """Return the label of the active language, or the other one if empty."""
    first, second = (chinese, english) if in_chinese() else (english, chinese)
    return first or second or fallback


@dataclass(frozen=True)
class FieldDefinition:
    pk: int
    key: str
    label_zh: str
    label_en: str
    field_type: str
    options: tuple[str, ...]
    link_model: str
    required: bool
    default: Any
    help_text: str
    section: str
    position: int
    list_column: bool
    active: bool

    @property
    def label(self) -> str:
        return pick_label(self.label_zh, self.label_en, self.key)


@dataclass(frozen=True)
class SectionDefinition:
    title_zh: str
    title_en: str
    fields: tuple[str, ...]
    collapsed: bool

    @property
    def title(self) -> str:
        return pick_label(self.title_zh, self.title_en, "")


@dataclass(frozen=True)
class LayoutDefinition:
    sections: tuple[SectionDefinition, ...]
    hidden_fields: frozenset[str]
    readonly_fields: tuple[str, ...]
    labels: tuple[tuple[str, str, str], ...]

    def label_for(self, name: str) -> str | None:
        for field, chinese, english in self.labels:
            if field == name:
                return pick_label(chinese, english, "") or None
        return None


@dataclass(frozen=True)
class Definitions:
    """Everything customised about one document type."""

    fields: tuple[FieldDefinition, ...]
    layout: LayoutDefinition | None

    @property
    def active_fields(self) -> tuple[FieldDefinition, ...]:
        return tuple(field for field in self.fields if field.active)


# Model label -> (version token, definitions). Shared by the threads of one
# process; a dict assignment is atomic, so no lock is needed.
memo: dict[str, tuple[str, Definitions]] = {}


def bump_version() -> None:
    """Make every process read definitions from the database again."""
    versions.bump_version(VERSION_KEY)


def mark_changed(**kwargs: Any) -> None:
    """Invalidate the cached definitions once the current transaction commits."""
    versions.schedule_bump(VERSION_KEY)


def connect_signals() -> None:
    for model in (CustomField, FormLayout, FormSection, FieldLabel):
        post_save.connect(
            mark_changed, sender=model, dispatch_uid=f"customize-save-{model}"
        )
        post_delete.connect(
            mark_changed, sender=model, dispatch_uid=f"customize-delete-{model}"
        )


def concrete(model: type[Model]) -> type[Model]:
    if model._meta.proxy and model._meta.concrete_model is not None:
        return model._meta.concrete_model
    return model


def get_definitions(model: type[Model]) -> Definitions:
    """Return the custom fields (active or not) and the layout of ``model``."""
    model = concrete(model)
    if versions.changes_pending(VERSION_KEY):
        return build_definitions(model)

    label = model._meta.label_lower
    version = versions.current_version(VERSION_KEY)
    memoised = memo.get(label)
    if memoised is not None and memoised[0] == version:
        return memoised[1]

    key = f"customize:definitions:{version}:{label}"
    definitions = versions.shared_get(key)
    if definitions is None:
        definitions = build_definitions(model)
        versions.shared_set(key, definitions, timeout=DEFINITION_TIMEOUT)

    memo[label] = (version, definitions)
    return definitions


def active_fields(model: type[Model]) -> tuple[FieldDefinition, ...]:
    return get_definitions(model).active_fields


def get_layout(model: type[Model]) -> LayoutDefinition | None:
    return get_definitions(model).layout


def build_definitions(model: type[Model]) -> Definitions:
    content_type = ContentType.objects.get_for_model(model)
    rows = CustomField.objects.filter(document_type=content_type).select_related(
        "link_type"
    )
    fields = tuple(definition_from_row(row) for row in rows)
    return Definitions(fields=fields, layout=build_layout(content_type))


def definition_from_row(
    row: CustomField, *, with_default: bool = True
) -> FieldDefinition:
    """Snapshot a CustomField row; ``with_default=False`` skips parsing the default."""
    link_model = ""
    if row.link_type_id is not None:
        link_type = ContentType.objects.get_for_id(row.link_type_id)
        link_model = f"{link_type.app_label}.{link_type.model}"

    definition = FieldDefinition(
        pk=row.pk,
        key=row.key,
        label_zh=row.label_zh,
        label_en=row.label_en,
        field_type=row.field_type,
        options=tuple(row.option_list),
        link_model=link_model,
        required=row.required,
        default=None,
        help_text=row.help_text,
        section=row.section,
        position=row.position,
        list_column=row.list_column,
        active=row.active,
    )
    if not with_default or not row.default.strip():
        return definition

    from lq_crm.customize.values import parse_default

    return FieldDefinition(
        **{**definition.__dict__, "default": parse_default(definition, row.default)}
    )


def build_layout(content_type: ContentType) -> LayoutDefinition | None:
    layout = FormLayout.objects.filter(document_type=content_type).first()
    if layout is None:
        return None

    sections = tuple(
        SectionDefinition(
            title_zh=section.title_zh,
            title_en=section.title_en,
            fields=tuple(split_names(section.fields)),
            collapsed=section.collapsed,
        )
        for section in layout.sections.all()
    )
    labels = tuple(
        (label.field, label.label_zh, label.label_en) for label in layout.labels.all()
    )
    return LayoutDefinition(
        sections=sections,
        hidden_fields=frozenset(split_names(layout.hidden_fields)),
        readonly_fields=tuple(split_names(layout.readonly_fields)),
        labels=labels,
    )
