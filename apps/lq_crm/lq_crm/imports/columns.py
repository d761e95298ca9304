"""Map the header row of an import file to the columns of an import kind.

Every column has a key and the headers it is known by, in Chinese and in
English. Active custom fields of the kind's model are columns too, known by
their key and both labels.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Model
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from lq_crm.customize.registry import FieldDefinition, active_fields
from lq_crm.imports.source import normalise_header


@dataclass(frozen=True)
class Column:
    key: str
    label: str | Promise
    aliases: tuple[str, ...]
    required: bool = False


class ColumnError(ValueError):
    """A header row that lacks a required column, with the column's name."""


@dataclass
class ColumnMap:
    """The position of each known column in the file, and the custom fields."""

    positions: dict[str, int] = field(default_factory=dict)
    custom: dict[str, int] = field(default_factory=dict)
    definitions: dict[str, FieldDefinition] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)

    def has(self, key: str) -> bool:
        return key in self.positions

    def value(self, cells: list[str], key: str) -> str:
        position = self.positions.get(key)
        if position is None or position >= len(cells):
            return ""
        return cells[position]

    def custom_values(self, cells: list[str]) -> dict[str, str]:
        """Return the non-empty custom field cells of a row, by field key."""
        values = {}
        for key, position in self.custom.items():
            text = cells[position].strip() if position < len(cells) else ""
            if text:
                values[key] = text
        return values


def alias_index(columns: tuple[Column, ...]) -> dict[str, str]:
    index = {}
    for column in columns:
        for alias in (column.key, *column.aliases):
            index[normalise_header(alias)] = column.key
    return index


def custom_index(definitions: tuple[FieldDefinition, ...]) -> dict[str, str]:
    index = {}
    for definition in definitions:
        for name in (definition.key, definition.label_zh, definition.label_en):
            if name:
                index[normalise_header(name)] = definition.key
    return index


def map_columns(
    header: list[str],
    columns: tuple[Column, ...],
    model: type[Model],
    alternatives: tuple[tuple[str, ...], ...] = (),
) -> ColumnMap:
    """Return where each column is, or raise ColumnError naming a missing one.

    ``alternatives`` lists groups of columns of which at least one must be
    present, such as a card number or a household phone.
    """
    known = alias_index(columns)
    definitions = active_fields(model)
    custom = custom_index(definitions)
    result = ColumnMap(definitions={d.key: d for d in definitions})
    for position, text in enumerate(header):
        name = normalise_header(text)
        if not name:
            continue
        if name in known and known[name] not in result.positions:
            result.positions[known[name]] = position
        elif name in custom and custom[name] not in result.custom:
            result.custom[custom[name]] = position
        else:
            result.ignored.append(text.strip())

    by_key = {column.key: column for column in columns}
    for column in columns:
        if column.required and column.key not in result.positions:
            raise ColumnError(missing_message([column]))
    for group in alternatives:
        if not any(key in result.positions for key in group):
            raise ColumnError(missing_message([by_key[key] for key in group]))
    return result


def header_name(column: Column) -> str:
    """Return the column's label with the first header it is known by, if other."""
    label = str(column.label)
    other = next((alias for alias in column.aliases if alias != label), "")
    return f"{label} ({other})" if other else label


def missing_message(columns: list[Column]) -> str:
    names = [header_name(column) for column in columns]
    if len(names) == 1:
        return _(
            "Column %(column)s is missing from the header row: add it and "
            "import the file again."
        ) % {"column": names[0]}

    return _(
        "The header row needs one of the columns %(columns)s: add one and "
        "import the file again."
    ) % {"columns": _(" or ").join(names)}
