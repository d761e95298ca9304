"""Run the preview and the import of an uploaded file, inline or as an RQ job.

A file up to ``IMPORT_INLINE_MAX_BYTES`` (a setting, 200 KiB by default) is
checked and imported within the request.
A larger one runs as a job with a deterministic id per record, so a double
submit queues it once. The desk page polls the record's progress, and
``resume_stalled_imports`` queues again a job that was lost.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from lq_crm.core import versions
from lq_crm.core.jobs import enqueue, enqueue_on_commit, job_status
from lq_crm.imports.models import ImportRecord
from lq_crm.imports.services import ImportFailed, preview_import, run_import

logger = logging.getLogger(__name__)

# About 3,000 member rows of a GBK CSV; an estimate of what one request
# checks in a few seconds.
INLINE_MAX_BYTES = 200 * 1024

# A record still checking or queued this long after it was uploaded or
# confirmed, with no job in the queue, has lost its job. Records older than
# RESUME_WITHIN are left alone, so that a job which failed and then expired
# from RQ (after seven days) is not run again.
STALLED_AFTER = timedelta(minutes=10)
RESUME_WITHIN = timedelta(days=2)


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

    enqueue_on_commit(preview_job, record.pk, job_id=preview_job_id(record.pk))


def start_import(record: ImportRecord) -> None:
    """Queue a previewed record once; a second confirmation does nothing."""
    queued = ImportRecord.objects.filter(
        pk=record.pk, status=ImportRecord.Status.PREVIEWED
    ).update(
        status=ImportRecord.Status.QUEUED,
        started_at=timezone.now(),
        # The preview counted its rows here; the import counts from zero.
        processed_rows=0,
    )
    if not queued:
        return

    record.refresh_from_db()
    logger.info("Import %s confirmed", record.pk)
    if runs_inline(record):
        import_job(record.pk)
        return

    enqueue_on_commit(import_job, record.pk, job_id=import_job_id(record.pk))


def preview_job_id(record_id: int) -> str:
    return f"import-preview-{record_id}"


def import_job_id(record_id: int) -> str:
    return f"import-{record_id}"


JOBS: dict[str, tuple[Callable[[int], None], Callable[[int], str]]] = {
    ImportRecord.Status.PREVIEWING: (preview_job, preview_job_id),
    ImportRecord.Status.QUEUED: (import_job, import_job_id),
}


def resume_stalled_imports() -> int:
    """Queue again the job of each import whose job was lost; return the count.

    A job is lost when Redis dropped it or could not be reached to queue it.
    A record whose job waits, runs or failed in RQ is left to that job.
    """
    now = timezone.now()
    stalled = ImportRecord.objects.filter(
        status__in=JOBS,
        started_at__lt=now - STALLED_AFTER,
        started_at__gte=now - RESUME_WITHIN,
    )
    resumed = 0
    for record_id, status in stalled.values_list("pk", "status"):
        job, job_id_for = JOBS[status]
        job_id = job_id_for(record_id)
        if job_status(job_id) is not None:
            continue

        logger.warning(
            "Import %s lost its job %s: queueing it again", record_id, job_id
        )
        enqueue(job, record_id, job_id=job_id)
        resumed += 1
    return resumed


def job_missing(record: ImportRecord) -> bool:
    """Tell whether the record waits for a job that the queue does not hold.

    That is the case while Redis is down or after it lost the job, until
    ``resume_stalled_imports`` queues the job again.
    """
    if settings.JOBS_INLINE or record.status not in JOBS or runs_inline(record):
        return False
    # Redis failed a moment ago in this process: asking it again would hold
    # the request for its socket timeout.
    if versions.cache_skipped():
        return True

    _job, job_id_for = JOBS[record.status]
    return job_status(job_id_for(record.pk)) is None
