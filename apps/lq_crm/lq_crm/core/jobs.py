"""Enqueue background jobs: the one place that decides how jobs run.

With Redis configured, a job goes to the RQ queue once the surrounding
transaction commits, under a deterministic id so that enqueuing the same
work twice while it waits leaves one job. Without Redis the job runs inline
after the commit. Every job must be safe to run twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from redis.exceptions import RedisError

if TYPE_CHECKING:
    from rq.job import JobStatus

logger = logging.getLogger(__name__)


def enqueue_on_commit(func: Callable[..., Any], *args: Any, job_id: str) -> None:
    """Run ``func(*args)`` as a job once the current transaction commits."""
    transaction.on_commit(lambda: enqueue(func, *args, job_id=job_id))


def enqueue(func: Callable[..., Any], *args: Any, job_id: str) -> None:
    """Run ``func(*args)`` as a job now; a job that cannot be queued is logged.

    Callers keep the state a job works on in the database (an outbox row, an
    import record), so a job lost to a dropped Redis connection is picked up
    again by the periodic sweep instead of being lost.
    """
    if settings.JOBS_INLINE:
        try:
            func(*args)
        except Exception:
            logger.exception("Inline job %s failed", job_id)
        return

    import django_rq
    from rq import Retry

    try:
        # "auto" enqueues now: this function already runs after the commit,
        # and django-rq's default mode would defer the call to a later commit,
        # outside this try block.
        queue = django_rq.get_queue("default", commit_mode="auto")
        queue.enqueue(
            func,
            *args,
            job_id=job_id,
            retry=Retry(max=3, interval=[10, 60, 300]),
            result_ttl=3600,
            failure_ttl=7 * 24 * 3600,
        )
    except RedisError:
        logger.exception("Could not enqueue job %s; the sweep will retry it", job_id)


def job_status(job_id: str) -> JobStatus | None:
    """Return the RQ status of job ``job_id``, or None when there is no such job.

    None also stands for a queue that cannot be read: a caller that enqueues
    the job again then fails the same way, and logs it.
    """
    if settings.JOBS_INLINE:
        return None

    import django_rq
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    try:
        job = Job.fetch(job_id, connection=django_rq.get_connection("default"))
        return job.get_status()
    except (NoSuchJobError, RedisError):
        return None


def job_is_waiting(job_id: str) -> bool:
    """Return whether the job is queued, scheduled for a retry or running."""
    from rq.job import JobStatus

    return job_status(job_id) in {
        JobStatus.QUEUED,
        JobStatus.SCHEDULED,
        JobStatus.STARTED,
        JobStatus.DEFERRED,
    }
