"""The command line shared by import_members, import_persons, import_cards and
the standard format of import_slips."""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from lq_crm.imports.engine import DEFAULT_CHUNK_SIZE
from lq_crm.imports.models import ImportRecord
from lq_crm.imports.progress import ProgressBar
from lq_crm.imports.services import (
    ImportFailed,
    create_record,
    preview_import,
    run_import,
)


class ImportCommand(BaseCommand):
    """Import one CSV or XLSX file of ``kind`` and print the counts."""

    kind: str

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "file", type=Path, help="The CSV (UTF-8, GBK or GB18030) or XLSX file."
        )
        add_common_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        run_command(self, self.kind, options)


def add_common_arguments(parser: ArgumentParser) -> None:
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="Check every row and print what an import would do, writing nothing.",
    )
    parser.add_argument(
        "--chunk-size",
        type=int,
        default=DEFAULT_CHUNK_SIZE,
        help="Rows written per transaction (default %(default)s).",
    )
    parser.add_argument(
        "--no-progress",
        action="store_true",
        help="Do not draw the progress bar on standard error.",
    )


def run_command(command: BaseCommand, kind: str, options: dict[str, Any]) -> None:
    path: Path = options["file"]
    if not path.is_file():
        raise CommandError(f"File {path} was not found.")
    if options["chunk_size"] < 1:
        raise CommandError("--chunk-size must be at least 1.")

    status = (
        ImportRecord.Status.PREVIEWING
        if options["dry_run"]
        else ImportRecord.Status.QUEUED
    )
    try:
        record = create_record(path, kind, user=None, status=status)
    except ImportFailed as error:
        raise CommandError(str(error)) from None

    if options["dry_run"]:
        print_preview(command, record, path)
        return

    progress = None if options["no_progress"] else ProgressBar(sys.stderr, "rows")
    try:
        record = run_import(
            record, path=path, chunk_size=options["chunk_size"], progress=progress
        )
    except ImportFailed as error:
        raise CommandError(str(error)) from None

    command.stdout.write(f"Import {record.pk} of {path.name}: {record.message}")
    if record.error_file:
        command.stderr.write(
            f"{record.error_count} rows were not imported; they are listed with "
            f"what to fix in {record.error_file.path}"
        )


def print_preview(command: BaseCommand, record: ImportRecord, path: Path) -> None:
    outcome = preview_import(record, path=path)
    if outcome is None:
        raise CommandError(record.message)

    counts = outcome.counts
    command.stdout.write(
        f"Dry run of {path.name} ({counts.rows} rows): {counts.created} would be "
        f"created, {counts.updated} updated, {counts.unchanged} unchanged, "
        f"{counts.errors} fail."
    )
    for number, message in outcome.failures:
        command.stderr.write(f"  row {number}: {message}")
