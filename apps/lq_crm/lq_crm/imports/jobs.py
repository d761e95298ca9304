"""Run the preview and the import of an uploaded file, inline or as an RQ job.

A file up to ``IMPORT_INLINE_MAX_BYTES`` (a setting, 200 KiB by default) is
checked and imported within the request.
A larger one runs as a job with a deterministic id per record, so a double
submit queues it once. The desk page polls the record's progress.
"""

from __future__ import annotations

import logging

from django.conf import settings

from lq_crm.core.jobs import enqueue_on_commit
from lq_crm.imports.models import ImportRecord
from lq_crm.imports.services import ImportFailed, preview_import, run_import

logger = logging.getLogger(__name__)

# About 3,000 member rows of a GBK CSV; an estimate of what one request
# checks in a few seconds.
INLINE_MAX_BYTES = 200 * 1024


def runs_inline(record: ImportRecord) -> bool:
    limit = getattr(settings, "IMPORT_INLINE_MAX_BYTES", INLINE_MAX_BYTES)
    return record.file.size <= limit


def preview_job(record_id: int) -> None:
    record = ImportRecord.objects.filter(pk=record_id).first()
    if record is None or record.status != ImportRecord.Status.PREVIEWING:
        return

    preview_import(record)


def import_job(record_id: int) -> None:
    record = ImportRecord.objects.filter(pk=record_id).first()
    if record is None:
        return

    try:
        run_import(record)
    except ImportFailed:
        # The record contains the message, and a retry would fail the same way.
        return


def start_preview(record: ImportRecord) -> None:
    if runs_inline(record):
        preview_import(record)
        return

    enqueue_on_commit(preview_job, record.pk, job_id=f"import-preview-{record.pk}")


def start_import(record: ImportRecord) -> None:
    """Queue a previewed record once; a second confirmation does nothing."""
    queued = ImportRecord.objects.filter(
        pk=record.pk, status=ImportRecord.Status.PREVIEWED
    ).update(status=ImportRecord.Status.QUEUED)
    if not queued:
        return

    record.refresh_from_db()
    logger.info("Import %s confirmed", record.pk)
    if runs_inline(record):
        import_job(record.pk)
        return

    enqueue_on_commit(import_job, record.pk, job_id=f"import-{record.pk}")
