"""Preview and run the imports of members, persons, cards and slips.

Every run is an ImportRecord. The desk creates it on upload, previews the
file, and imports it once the user confirms; the commands create it and
import at once. Counts and progress are written to the record in the same
transaction as each chunk's rows. The record therefore shows exactly what
was written, and a retried job resumes after the last committed chunk.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.files.uploadedfile import UploadedFile
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from lq_crm.imports.cards import CardImporter
from lq_crm.imports.columns import ColumnError
from lq_crm.imports.context import ImportContext
from lq_crm.imports.engine import (
    DEFAULT_CHUNK_SIZE,
    Counts,
    Importer,
    Outcome,
    run_file,
)
from lq_crm.imports.errorfile import error_file_name
from lq_crm.imports.members import MemberImporter
from lq_crm.imports.models import ImportRecord
from lq_crm.imports.persons import PersonImporter
from lq_crm.imports.purchases import SlipImporter
from lq_crm.imports.source import (
    FileInfo,
    SourceError,
    count_rows,
    file_format,
    inspect_file,
)

logger = logging.getLogger(__name__)

KINDS: dict[str, type[Importer]] = {
    ImportRecord.Kind.MEMBERS: MemberImporter,
    ImportRecord.Kind.PERSONS: PersonImporter,
    ImportRecord.Kind.CARDS: CardImporter,
    ImportRecord.Kind.SLIPS: SlipImporter,
}

Progress = Callable[[int, int], None]


class ImportFailed(Exception):
    """A file that cannot be imported at all, with what to fix."""


def file_info(record: ImportRecord) -> FileInfo:
    return FileInfo(
        format=record.file_format, encoding=record.encoding, checksum=record.checksum
    )


def record_path(record: ImportRecord, path: Path | None = None) -> Path:
    if path is not None:
        return path
    return Path(record.file.path)


def context_for(record: ImportRecord, user: AbstractBaseUser | None) -> ImportContext:
    return ImportContext(
        user=user,
        change_reason=f"Import {record.pk} of {record.file_name}"[:100],
        file_name=record.file_name,
    )


def create_record(
    path: Path,
    kind: str,
    *,
    user: AbstractBaseUser | None,
    file_name: str | None = None,
    status: str = ImportRecord.Status.PREVIEWING,
) -> ImportRecord:
    """Inspect the file and record the run; raise ImportFailed if it is unreadable."""
    if kind not in KINDS:
        raise ImportFailed(
            _("Import kind %(kind)s is invalid: use members, persons, cards or slips.")
            % {"kind": kind}
        )
    name = file_name or path.name
    try:
        info = inspect_file(path, name)
    except SourceError as error:
        raise ImportFailed(str(error)) from None

    return ImportRecord.objects.create(
        kind=kind,
        file_name=name,
        checksum=info.checksum,
        file_format=info.format,
        encoding=info.encoding,
        user_id=user.pk if user is not None else None,
        status=status,
    )


def create_upload(
    uploaded: UploadedFile, kind: str, user: AbstractBaseUser | AnonymousUser
) -> ImportRecord:
    """Store an uploaded file with a new record, or raise ImportFailed."""
    name = Path(uploaded.name or "import").name
    try:
        file_format(name)
    except SourceError as error:
        raise ImportFailed(str(error)) from None

    record = ImportRecord(kind=kind, file_name=name, user_id=user.pk, file_format="")
    record.file.save(name, uploaded, save=False)
    try:
        info = inspect_file(Path(record.file.path), name)
    except SourceError as error:
        record.file.delete(save=False)
        raise ImportFailed(str(error)) from None

    record.checksum = info.checksum
    record.file_format = info.format
    record.encoding = info.encoding
    record.status = ImportRecord.Status.PREVIEWING
    record.save()
    logger.info("Import %s uploaded: %s, kind %s", record.pk, name, kind)
    return record


def add_progress(record: ImportRecord, counts: Counts | None, rows: int) -> None:
    """Add a chunk's rows, and when importing its counts, to the record."""
    changes = {"processed_rows": F("processed_rows") + rows}
    if counts is not None:
        changes.update(
            created_count=F("created_count") + counts.created,
            updated_count=F("updated_count") + counts.updated,
            skipped_count=F("skipped_count") + counts.unchanged,
            error_count=F("error_count") + counts.errors,
        )
    ImportRecord.objects.filter(pk=record.pk).update(**changes)


def preview_import(
    record: ImportRecord,
    *,
    path: Path | None = None,
    user: AbstractBaseUser | None = None,
) -> Outcome | None:
    """Check every row without writing and store the counts as the record's preview.

    Returns None, with the record failed and its message set, when the file
    cannot be read or lacks a column.
    """
    ImportRecord.objects.filter(pk=record.pk).update(processed_rows=0)
    importer = KINDS[record.kind]
    try:
        outcome = run_file(
            record_path(record, path),
            file_info(record),
            importer,
            context_for(record, user or record.user),
            write=False,
            on_chunk=lambda _counts, rows: add_progress(record, None, rows),
        )
    except (SourceError, ColumnError) as error:
        fail(record, str(error))
        return None

    record.refresh_from_db()
    record.rows = outcome.counts.rows
    record.preview = {
        "created": outcome.counts.created,
        "updated": outcome.counts.updated,
        "unchanged": outcome.counts.unchanged,
        "errors": outcome.counts.errors,
        "failures": outcome.failures,
        "notes": dict(outcome.notes),
    }
    record.status = ImportRecord.Status.PREVIEWED
    record.save(update_fields=["rows", "preview", "status"])
    logger.info(
        "Import %s previewed: %s rows, %s errors",
        record.pk,
        record.rows,
        outcome.counts.errors,
    )
    return outcome


def fail(record: ImportRecord, message: str) -> None:
    record.status = ImportRecord.Status.FAILED
    record.message = message
    record.finished_at = timezone.now()
    record.save(update_fields=["status", "message", "finished_at"])
    logger.warning("Import %s failed: %s", record.pk, message)


def claim(record: ImportRecord) -> bool:
    """Move a queued record to running; tell whether this run should go on.

    A running record is a job that died or is being retried: it resumes.
    """
    started = ImportRecord.objects.filter(
        pk=record.pk,
        status=ImportRecord.Status.QUEUED,
    ).update(
        status=ImportRecord.Status.RUNNING,
        started_at=timezone.now(),
        # The preview counted its own rows here.
        processed_rows=0,
    )
    record.refresh_from_db()
    return bool(started) or record.status == ImportRecord.Status.RUNNING


def run_import(
    record: ImportRecord,
    *,
    path: Path | None = None,
    user: AbstractBaseUser | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: Progress | None = None,
) -> ImportRecord:
    """Import every valid row of the record's file and write the error file."""
    if not claim(record):
        return record

    source = record_path(record, path)
    info = file_info(record)
    error_path = error_location(record, info)

    def on_chunk(counts: Counts, rows: int) -> None:
        add_progress(record, counts, rows)
        if progress is not None:
            done = ImportRecord.objects.values_list("processed_rows", flat=True)
            progress(done.get(pk=record.pk), record.rows)

    try:
        if not record.rows:
            record.rows = count_rows(source, info)
            record.save(update_fields=["rows"])
        outcome = run_file(
            source,
            info,
            KINDS[record.kind],
            context_for(record, user or record.user),
            write=True,
            chunk_size=chunk_size,
            error_path=error_path,
            skip_rows=record.processed_rows,
            on_chunk=on_chunk,
        )
    except (SourceError, ColumnError) as error:
        fail(record, str(error))
        raise ImportFailed(str(error)) from None
    except Exception as error:
        logger.exception("Import %s failed", record.pk)
        record.refresh_from_db()
        fail(record, _("The import stopped: %(error)s") % {"error": error})
        raise

    finish(record, outcome, error_path)
    return record


def error_location(record: ImportRecord, info: FileInfo) -> Path:
    # NOTE: error files are written to MEDIA_ROOT directly, which assumes the
    # default file system storage shared by web and worker processes.
    name = error_file_name(record.file_name, info)
    return Path(settings.MEDIA_ROOT) / "imports" / "errors" / str(record.pk) / name


def finish(record: ImportRecord, outcome: Outcome, error_path: Path) -> None:
    record.refresh_from_db()
    if outcome.error_rows:
        record.error_file.name = str(error_path.relative_to(settings.MEDIA_ROOT))
    else:
        error_path.unlink(missing_ok=True)
    record.status = ImportRecord.Status.DONE
    record.finished_at = timezone.now()
    record.message = summary(record)
    record.save()
    logger.info(
        "Import %s done: %s created, %s updated, %s unchanged, %s errors",
        record.pk,
        record.created_count,
        record.updated_count,
        record.skipped_count,
        record.error_count,
    )


def summary(record: ImportRecord) -> str:
    return _(
        "%(rows)s rows: %(created)s created, %(updated)s updated, "
        "%(unchanged)s unchanged, %(errors)s failed."
    ) % {
        "rows": record.rows,
        "created": record.created_count,
        "updated": record.updated_count,
        "unchanged": record.skipped_count,
        "errors": record.error_count,
    }
