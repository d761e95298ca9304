"""Run a unit of work in a transaction, again when InnoDB picks it as a deadlock victim.

Slips of different households still update the same report aggregate rows
(a store's month, a city's count of households per tier) with upserts, and
InnoDB can resolve two such transactions only by rolling one back with
error 1213, "try restarting transaction". The whole transaction is gone by
then, so only the code that opened it can run it again.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

from django.db import OperationalError, connection, transaction

logger = logging.getLogger(__name__)

ResultT = TypeVar("ResultT")

# MariaDB's and MySQL's error code for a transaction rolled back as a
# deadlock victim (ER_LOCK_DEADLOCK).
DEADLOCK = 1213
ATTEMPTS = 3


def is_deadlock(error: OperationalError) -> bool:
    return bool(error.args) and error.args[0] == DEADLOCK


def atomic_with_retry(work: Callable[[], ResultT], label: str) -> ResultT:
    """Return ``work()`` run in a transaction, retried up to three times on deadlock.

    ``work`` must build every object it saves, because a retry starts from
    nothing. Inside a transaction that the caller opened, the deadlock
    rolled back the caller's work too, so it runs once in a savepoint and a
    deadlock is raised for the caller. ``label`` names the work in the log.
    """
    if connection.in_atomic_block:
        with transaction.atomic():
            return work()

    for attempt in range(1, ATTEMPTS):
        try:
            with transaction.atomic():
                return work()
        except OperationalError as error:
            if not is_deadlock(error):
                raise
            logger.warning(
                "%s rolled back as a deadlock victim, attempt %s of %s: retrying",
                label,
                attempt,
                ATTEMPTS,
            )
            # A short random pause, so that the two transactions do not meet
            # again in the same order.
            time.sleep(random.uniform(0.005, 0.05) * attempt)

    with transaction.atomic():
        return work()
