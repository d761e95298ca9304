"""Run an import file through an importer: check every row, then write in chunks.

The same run serves the preview and the import. A preview parses and plans
every row (create, update, unchanged or error) against the database without
writing. An import does the same per chunk inside one transaction and writes
the chunk's rows in it, so a failure leaves no half-written row. The failed
chunk rolls back whole. The chunks before it stay committed, and a second
import of the file finds their rows unchanged.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext as _

from lq_crm.customize.values import clean_value, clean_values
from lq_crm.imports.cleaning import CleaningError
from lq_crm.imports.columns import Column, ColumnMap, map_columns
from lq_crm.imports.context import ImportContext
from lq_crm.imports.errorfile import ErrorFile
from lq_crm.imports.source import FileInfo, SourceError, SourceRow, read_rows

logger = logging.getLogger(__name__)

CREATE = "create"
UPDATE = "update"
UNCHANGED = "unchanged"
ERROR = "error"
DEFAULT_CHUNK_SIZE = 1000
# Failing rows kept for the preview page; the error file has all of them.
LISTED_FAILURES = 200

T = TypeVar("T")


@dataclass
class Pending:
    """One data row on its way through parsing, planning and writing."""

    number: int
    cells: list[str]
    data: Any = None
    action: str = ""
    message: str = ""
    target: Any = None

    def fail(self, message: str) -> None:
        self.action = ERROR
        self.message = message


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: int = 0

    @classmethod
    def of(cls, rows: Iterable[Pending]) -> Counts:
        tally = Counter(row.action for row in rows)
        return cls(
            created=tally[CREATE],
            updated=tally[UPDATE],
            unchanged=tally[UNCHANGED],
            errors=tally[ERROR],
        )

    def add(self, other: Counts) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.errors += other.errors

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged + self.errors


@dataclass
class Outcome:
    counts: Counts = field(default_factory=Counts)
    failures: list[tuple[int, str]] = field(default_factory=list)
    notes: Counter[str] = field(default_factory=Counter)
    error_rows: int = 0


class Importer:
    """The rules of one kind of import; subclasses fill in the four steps."""

    kind: ClassVar[str]
    model: ClassVar[type[Model]]
    columns: ClassVar[tuple[Column, ...]]
    # Groups of columns of which the header must contain at least one.
    alternatives: ClassVar[tuple[tuple[str, ...], ...]] = ()
    add_permission: ClassVar[str]
    change_permission: ClassVar[str]

    def __init__(self, context: ImportContext, columns: ColumnMap) -> None:
        self.context = context
        self.column_map = columns
        self.notes: Counter[str] = Counter()
        # Without a required or defaulted custom field, a row with no custom
        # cells needs no check, which saves a cache read per row.
        self.custom_checks = any(
            definition.required or definition.default is not None
            for definition in columns.definitions.values()
        )

    def parse(self, row: SourceRow) -> Any:
        """Return the row's cleaned values, or raise CleaningError."""
        raise NotImplementedError

    def file_keys(self, data: Any) -> list[str]:
        """Return keys that no two rows of one file may share."""
        return []

    def plan(self, rows: list[Pending], *, lock: bool) -> None:
        """Set each row's action (or error) from what the database holds."""
        raise NotImplementedError

    def write(self, rows: list[Pending]) -> None:
        """Write the planned creates and updates inside the open transaction."""
        raise NotImplementedError

    def value(self, row: SourceRow, key: str) -> str:
        return self.column_map.value(row.cells, key)

    def custom_values(self, row: SourceRow) -> dict[str, Any]:
        """Return the row's custom field values as stored, or raise CleaningError."""
        values = {}
        for key, text in self.column_map.custom_values(row.cells).items():
            definition = self.column_map.definitions[key]
            try:
                values[key] = clean_value(definition, text)
            except (ValidationError, LookupError) as error:
                detail = " ".join(getattr(error, "messages", [str(error)]))
                raise CleaningError(f"{definition.label}: {detail}") from None
        return values

    def complete_custom(self, row: Pending, custom: dict[str, Any]) -> dict[str, Any]:
        """Return a new record's custom values with defaults, or fail the row.

        Raises CleaningError naming each required field that has no value.
        """
        if not custom and not self.custom_checks:
            return custom
        try:
            return clean_values(self.model, custom, partial=False)
        except ValidationError as error:
            parts = [
                f"{key}: {' '.join(texts)}" for key, texts in error.message_dict.items()
            ]
            raise CleaningError("; ".join(parts)) from None

    def decide(self, row: Pending, action: str) -> None:
        """Set a create or update, or an error when the user lacks the right."""
        permission = self.add_permission if action == CREATE else self.change_permission
        if self.context.may(permission):
            row.action = action
        elif action == CREATE:
            row.fail(_("You may not add records of this kind: ask head office."))
        else:
            row.fail(
                _(
                    "This row would change a record already on file, which you "
                    "may not do: ask head office, or remove the row."
                )
            )


def batched(items: Iterator[T], size: int) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def check_row(importer: Importer, row: SourceRow, seen: dict[str, int]) -> Pending:
    """Parse one row and reject a second row for the same record in one file."""
    pending = Pending(number=row.number, cells=row.cells)
    try:
        pending.data = importer.parse(row)
    except CleaningError as error:
        pending.fail(str(error))
        return pending

    for key in importer.file_keys(pending.data):
        first = seen.setdefault(key, row.number)
        if first != row.number:
            pending.fail(
                _(
                    "Row %(first)s of this file is for the same record: merge "
                    "the two rows into one."
                )
                % {"first": first}
            )
            break
    return pending


def process(importer: Importer, rows: list[Pending], *, write: bool) -> Counts:
    valid = [row for row in rows if row.action != ERROR]
    if valid:
        importer.plan(valid, lock=write)
    if write:
        importer.write([row for row in valid if row.action in {CREATE, UPDATE}])
    return Counts.of(rows)


ChunkHook = Callable[[Counts, int], None]


def run_file(
    path: Path,
    info: FileInfo,
    importer_class: type[Importer],
    context: ImportContext,
    *,
    write: bool,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    error_path: Path | None = None,
    skip_rows: int = 0,
    on_chunk: ChunkHook | None = None,
) -> Outcome:
    """Check, and with ``write`` import, every row of the file.

    ``on_chunk(counts, rows)`` runs after each chunk, inside the chunk's
    transaction when writing, so a progress record committed with it is
    exact. With ``skip_rows`` (a retried job) the chunks already written are
    checked again only to list their failing rows, and are not counted.
    """
    rows = read_rows(path, info)
    header = next(rows, None)
    if header is None:
        raise SourceError(_("The file is empty: add a header row and data rows."))

    columns = map_columns(
        header.cells,
        importer_class.columns,
        importer_class.model,
        importer_class.alternatives,
    )
    importer = importer_class(context, columns)
    outcome = Outcome()
    errors = ErrorFile(error_path, info, header.cells) if error_path else None
    seen: dict[str, int] = {}
    done = 0
    try:
        for chunk in batched(rows, chunk_size):
            pending = [check_row(importer, row, seen) for row in chunk]
            replay = write and done + len(chunk) <= skip_rows
            if write and not replay:
                with transaction.atomic():
                    counts = process(importer, pending, write=True)
                    if on_chunk is not None:
                        on_chunk(counts, len(chunk))
            else:
                counts = process(importer, pending, write=False)
                if on_chunk is not None and not replay:
                    on_chunk(counts, len(chunk))
            done += len(chunk)
            if not replay:
                outcome.counts.add(counts)
            list_failures(outcome, pending, errors)
    finally:
        if errors is not None:
            errors.close()

    outcome.notes = importer.notes
    return outcome


def list_failures(
    outcome: Outcome, rows: list[Pending], errors: ErrorFile | None
) -> None:
    for row in rows:
        if row.action != ERROR:
            continue
        outcome.error_rows += 1
        if errors is not None:
            errors.add(row.cells, row.message)
        if len(outcome.failures) < LISTED_FAILURES:
            outcome.failures.append((row.number, row.message))
