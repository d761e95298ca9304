"""Fixed-window request counters in the shared cache (Redis in production).

Every web process counts in the same cache, so a limit applies across
processes. Without Redis the site caches in files in the site folder, which
the processes of one machine share.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.cache import cache

from lq_crm.core.versions import CACHE_ERRORS

logger = logging.getLogger(__name__)


class RateLimited(Exception):
    """A limit was reached. ``retry_after`` is the wait in whole seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Rate limit reached; retry after {retry_after} s")
        self.retry_after = retry_after


class LimitUnavailable(Exception):
    """An unreachable counter cache, so the request was not counted."""


@contextmanager
def counting(name: str) -> Iterator[None]:
    """Turn a cache error while counting ``name`` into LimitUnavailable."""
    try:
        yield
    except CACHE_ERRORS as error:
        logger.warning("Rate limit %s not counted: cache unreachable (%s)", name, error)
        raise LimitUnavailable(name) from error


def count_request(name: str, limit: int, window_seconds: int) -> None:
    """Count one request under ``name``, raising RateLimited past ``limit`` per window.

    Windows are aligned to multiples of ``window_seconds`` since the epoch, so
    the wait until the next window is known without asking the cache. Raises
    LimitUnavailable when the cache cannot be reached.
    """
    now = time.time()
    window = int(now // window_seconds)
    key = f"portal-rate:{name}:{window_seconds}:{window}"

    with counting(name):
        cache.add(key, 0, timeout=window_seconds + 1)
        try:
            count = cache.incr(key)
        except ValueError:
            # The key expired between add and incr: the window's first hit.
            cache.set(key, 1, timeout=window_seconds + 1)
            count = 1

    if count > limit:
        retry_after = int((window + 1) * window_seconds - now) + 1
        raise RateLimited(retry_after)


def hold_interval(name: str, seconds: int) -> None:
    """Raise RateLimited if ``name`` was held in the last ``seconds``, else hold it.

    Raises LimitUnavailable when the cache cannot be reached.
    """
    key = f"portal-hold:{name}"
    until = time.time() + seconds
    with counting(name):
        if cache.add(key, until, timeout=seconds):
            return

        held_until = cache.get(key)
    remaining = int(held_until - time.time()) + 1 if held_until else 1
    raise RateLimited(max(remaining, 1))
