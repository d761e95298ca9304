"""Report whether the database, Redis and the job workers are up."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.utils import DatabaseError
from django.http import HttpRequest, JsonResponse
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        # One line per check: a probe calls this every few seconds.
        logger.warning("Health check: database unavailable (%s)", error)
        return "unavailable"

    return "ok"


def check_queue() -> dict[str, Any]:
    if settings.JOBS_INLINE:
        return {"redis": "not configured", "workers": 0, "jobs": "inline"}

    import django_rq
    from rq import Worker

    try:
        redis = django_rq.get_connection("default")
        redis.ping()
        workers = Worker.all(connection=redis)
        queued = django_rq.get_queue("default").count
    except RedisError as error:
        logger.warning("Health check: Redis unavailable (%s)", error)
        return {"redis": "unavailable", "workers": 0, "jobs": "unavailable"}

    return {
        "redis": "ok",
        "workers": len(workers),
        "jobs": "ok" if workers else "no worker",
        "queued": queued,
    }


def health(request: HttpRequest) -> JsonResponse:
    """Return the status of each part; 503 when the database or Redis is down."""
    report: dict[str, Any] = {"database": check_database(), **check_queue()}
    healthy = report["database"] == "ok" and report["redis"] != "unavailable"
    report["status"] = "ok" if healthy else "unavailable"
    return JsonResponse(report, status=200 if healthy else 503)
