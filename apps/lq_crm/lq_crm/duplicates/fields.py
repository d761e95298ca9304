"""Fill the surviving household's blank fields from the merged one, and undo it."""

from __future__ import annotations

import json
from typing import Any, cast

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext as _

from lq_crm.doctype.member.models import Gender, Member

# Fields that the survivor takes from the merged household when its own is
# blank. The consent time and method travel together.
FILLABLE = [
    "phone",
    "email",
    "address",
    "district_id",
    "occupation",
    "birth_year",
    "signup_store_id",
    "signup_venue",
]
CONSENT = ["consent_given_at", "consent_method"]
BLANK_VALUES: tuple[Any, ...] = (None, "", [], {})

Filled = dict[str, list[Any]]


def to_json(value: Any) -> Any:
    """Return ``value`` as it reads back from a JSON field, for comparisons."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def snapshot(member: Member) -> dict[str, Any]:
    """Return every stored field of the household, by column name, as JSON."""
    return {
        field.attname: to_json(getattr(member, field.attname))
        for field in Member._meta.concrete_fields
    }


def blank_custom_filled(survivor: dict, merged: dict) -> dict:
    """Return the survivor's custom values with its blanks filled from the other's."""
    combined = dict(survivor)
    for key, value in merged.items():
        if combined.get(key) in BLANK_VALUES and value not in BLANK_VALUES:
            combined[key] = value
    return combined


def fill_blanks(survivor: Member, merged: Member) -> Filled:
    """Set the survivor's blank fields from ``merged``; return {field: [before, after]}.

    The survivor's own values always win. The gender counts as blank when
    it is "not given", and the earlier joining date of the two is kept.
    """
    changes: dict[str, tuple[Any, Any]] = {}
    for name in FILLABLE:
        if getattr(survivor, name) in BLANK_VALUES:
            changes[name] = (getattr(survivor, name), getattr(merged, name))
    if survivor.gender == Gender.UNKNOWN:
        changes["gender"] = (survivor.gender, merged.gender)
    if survivor.consent_given_at is None and merged.consent_given_at is not None:
        for name in CONSENT:
            changes[name] = (getattr(survivor, name), getattr(merged, name))
    if merged.joined_on < survivor.joined_on:
        changes["joined_on"] = (survivor.joined_on, merged.joined_on)
    custom = blank_custom_filled(survivor.custom or {}, merged.custom or {})
    if custom != (survivor.custom or {}):
        changes["custom"] = (survivor.custom, custom)

    filled: Filled = {}
    for name, (before, after) in changes.items():
        if before == after:
            continue
        setattr(survivor, name, after)
        filled[name] = [to_json(before), to_json(after)]
    return filled


def restore_filled(survivor: Member, filled: Filled) -> tuple[list[str], list[str]]:
    """Put back the survivor's fields that the merge filled in.

    A field changed again since the merge keeps its new value and gets a
    note. Returns the restored column names and the notes.
    """
    restored: list[str] = []
    notes: list[str] = []
    for name, (before, after) in filled.items():
        field = cast(models.Field, Member._meta.get_field(name))
        if to_json(getattr(survivor, name)) != after:
            notes.append(
                _(
                    "The %(field)s of household %(member)s was changed after "
                    "the merge, so the change was kept."
                )
                % {"field": field.verbose_name, "member": survivor.number}
            )
            continue
        value = before if name == "custom" else field.to_python(before)
        setattr(survivor, name, value)
        restored.append(name)
    return restored, notes
