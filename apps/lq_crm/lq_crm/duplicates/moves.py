"""Move every row that points at one household to another, and back.

The rows to move are found from the model relations at run time, so a model
that another part of the project adds later with a foreign key to Member is
moved too. Each moved field is written down as a MovedRow, and an undo
restores exactly the rows written down.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import cast

from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.fields.reverse_related import ForeignObjectRel
from django.utils.translation import gettext as _
from simple_history.exceptions import NotHistoricalModelError
from simple_history.utils import bulk_update_with_history, get_history_manager_for_model

from lq_crm.core.users import Actor
from lq_crm.doctype.member.models import Member
from lq_crm.duplicates.models import Merge, MovedRow

logger = logging.getLogger(__name__)

# Models whose rows about a household are not moved: the duplicate records
# themselves, which name both households on purpose.
NOT_MOVED = {"duplicates.duplicatecandidate", "duplicates.merge"}

# Integer columns, besides the foreign key, that hold the household's id: a
# live registration keeps it in member_key for its unique index.
MEMBER_ID_COLUMNS: dict[str, tuple[str, ...]] = {"event.registration": ("member_key",)}


@dataclass(frozen=True)
class Relation:
    """A foreign key from some model to Member."""

    model: type[models.Model]
    field_name: str
    one_to_one: bool

    @property
    def label(self) -> str:
        return self.model._meta.label_lower


def is_history_model(model: type[models.Model]) -> bool:
    """Tell whether ``model`` is a simple-history table, which records the past."""
    return getattr(model, "instance_type", None) is not None


def member_relations() -> Iterator[Relation]:
    """Yield every foreign key to Member whose rows a merge should move."""
    for field in Member._meta.get_fields(include_hidden=True):
        if not isinstance(field, ForeignObjectRel) or field.many_to_many:
            continue
        model = field.related_model
        if is_history_model(model) or model._meta.label_lower in NOT_MOVED:
            continue
        # Member.merged_into is one of these: households merged earlier into
        # the merged one then lead to the survivor, so their old phones still
        # find it.
        yield Relation(model, field.field.name, one_to_one=field.one_to_one)


def save_rows(
    model: type[models.Model],
    rows: list[models.Model],
    fields: list[str],
    user: Actor,
    reason: str,
) -> None:
    """Update ``fields`` of ``rows``, with a history row each when the model has one."""
    if not rows:
        return
    try:
        get_history_manager_for_model(model)
    except NotHistoricalModelError:
        model._default_manager.bulk_update(rows, fields)
        return

    history_user = user if isinstance(user, AbstractBaseUser) else None
    bulk_update_with_history(
        rows,
        model,
        fields,
        default_user=history_user,
        default_change_reason=reason,
    )


def move_relation(
    relation: Relation,
    merge: Merge,
    keep_ids: set[int],
    user: Actor,
    reason: str,
) -> list[MovedRow]:
    """Point the merged household's rows of one relation at the survivor.

    Rows whose id is in ``keep_ids`` stay with the merged household.
    """
    model = relation.model
    source, target = merge.merged_id, merge.survivor_id
    rows = list(
        model._default_manager.select_for_update()
        .filter(**{relation.field_name: source})
        .exclude(pk__in=keep_ids)
        .order_by("pk")
    )
    if not rows:
        return []

    content_type = ContentType.objects.get_for_model(model)
    attname = cast(models.Field, model._meta.get_field(relation.field_name)).attname
    moved: list[MovedRow] = []
    fields = [relation.field_name]
    for row in rows:
        setattr(row, attname, target)
        moved.append(
            MovedRow(
                merge=merge,
                content_type=content_type,
                object_id=row.pk,
                field=attname,
                old_value=source,
                new_value=target,
            )
        )
        for column in MEMBER_ID_COLUMNS.get(relation.label, ()):
            if getattr(row, column) == source:
                setattr(row, column, target)
                moved.append(
                    MovedRow(
                        merge=merge,
                        content_type=content_type,
                        object_id=row.pk,
                        field=column,
                        old_value=source,
                        new_value=target,
                    )
                )
                fields.append(column)
    save_rows(model, rows, sorted(set(fields)), user, reason)
    return moved


def rows_by_model(
    merge: Merge,
) -> dict[type[models.Model], dict[int, list[MovedRow]]]:
    grouped: dict[type[models.Model], dict[int, list[MovedRow]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for moved in merge.rows.select_related("content_type").order_by("pk"):
        model = moved.content_type.model_class()
        if model is not None:
            grouped[model][moved.object_id].append(moved)
    return grouped


def move_back(merge: Merge, user: Actor, reason: str) -> list[str]:
    """Restore every recorded field whose value the merge left in place.

    Returns the notes about rows that were deleted or changed again since
    the merge and so were left as they are.
    """
    notes: list[str] = []
    for model, by_row in rows_by_model(merge).items():
        rows = model._default_manager.select_for_update().in_bulk(list(by_row))
        changed: list[models.Model] = []
        fields: set[str] = set()
        for object_id, records in by_row.items():
            row = rows.get(object_id)
            if row is None:
                notes.append(gone_note(model, object_id))
                continue
            restored = restore_fields(row, records, notes)
            if restored:
                changed.append(row)
                fields.update(restored)
        names = [model._meta.get_field(name).name for name in sorted(fields)]
        save_rows(model, changed, names, user, reason)
    return notes


def restore_fields(
    row: models.Model, records: list[MovedRow], notes: list[str]
) -> list[str]:
    restored: list[str] = []
    for record in records:
        if getattr(row, record.field) != record.new_value:
            notes.append(changed_note(row, record.field))
            continue
        setattr(row, record.field, record.old_value)
        restored.append(record.field)
    return restored


def gone_note(model: type[models.Model], object_id: int) -> str:
    from django.utils.translation import gettext as _

    return _(
        "%(type)s %(id)s was deleted after the merge, so it was not moved back."
    ) % {
        "type": model._meta.verbose_name,
        "id": object_id,
    }


def changed_note(row: models.Model, field: str) -> str:
    return _(
        "%(type)s %(row)s was moved again after the merge, so it was left where it is."
    ) % {"type": row._meta.verbose_name, "row": row}
