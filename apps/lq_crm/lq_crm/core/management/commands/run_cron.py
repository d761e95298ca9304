"""Run the RQ cron scheduler of ``lq_crm.core.cron`` and outlive Redis outages.

django-rq's ``rqcron`` exits when its Redis connection fails, and under
honcho (``make run``) one exited process stops the web server and the worker
too. This command starts the scheduler again after a pause instead, for as
long as Redis stays away. A tick missed meanwhile is not made up: every job
of the schedule catches up on its next run.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django_rq.cron import DjangoCronScheduler
from redis.exceptions import RedisError
from rq.exceptions import StopRequested

logger = logging.getLogger(__name__)

SCHEDULE = "lq_crm.core.cron"


class Command(BaseCommand):
    help = "Run the periodic jobs' scheduler; start it again when Redis fails."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--retry-seconds",
            type=float,
            default=10.0,
            help="Pause before starting the scheduler again after Redis failed.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        pause = options["retry_seconds"]
        while True:
            scheduler = DjangoCronScheduler(logging_level=logging.INFO)
            scheduler.load_config_from_file(SCHEDULE)
            try:
                scheduler.start()
            except (RedisError, OSError) as error:
                logger.warning(
                    "Cron scheduler stopped, Redis failed (%s): starting it again "
                    "in %s s",
                    error,
                    pause,
                )
                try:
                    time.sleep(pause)
                except (StopRequested, KeyboardInterrupt):
                    # The failed scheduler's signal handlers are still in place.
                    return
                continue

            # start() returns after a shutdown signal or Ctrl-C.
            return
