"""Version tokens that tell every process when rarely changing rows changed.

Workflow definitions, custom field definitions, permission sets and the
club's reference rows (settings, tiers, categories, stores) are read on
nearly every request. Each process keeps them in a memo keyed by a version
token stored in the shared cache (Redis in production). Saving or deleting
one of those rows replaces its token once the transaction commits, so the
next read in any web or worker process misses the memo and reloads from the
database. A token is random rather than a counter, so a flushed cache can
never bring back a token that an old memo still holds.

Inside a transaction that changed such rows, ``changes_pending`` is true
until it ends, and readers bypass their memos: the change is visible to its
own transaction but never cached for others before it commits.

During a web request each token is read from the cache once and kept for the
rest of the request (``VersionSnapshotMiddleware``), so one request uses one
consistent set of definitions and pays one cache read per token. A token that
the request itself replaces is updated in its snapshot at once. Jobs and
commands have no snapshot and read the cache every time.

While the cache cannot be reached, every read gets a token of its own, so
every memo reads the database. The desk, the portals and the API keep
working, more slowly, and each process logs a warning once a minute.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Hashable
from contextvars import ContextVar
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

ValueT = TypeVar("ValueT")

# Exceptions of the Redis and the file cache backends when they cannot be used.
CACHE_ERRORS = (RedisError, OSError)
WARNING_INTERVAL = 60.0
last_warning = 0.0
# After a failed cache call, reads and fills skip the cache for this many
# seconds, so a hung Redis costs each process one socket timeout in that
# time, not one per call. Token bumps are always tried.
SKIP_READS_FOR = 5.0
reads_skipped_until = 0.0
# Tokens whose bump failed in this process, bumped again by the next cache
# call that succeeds. Without this, a process that kept a memo under the old
# token through the outage would keep it after the cache is back.
failed_bumps: set[str] = set()

# Cache key -> token, for the current request only; None outside requests.
request_tokens: ContextVar[dict[str, str] | None] = ContextVar(
    "request_tokens", default=None
)


def current_version(key: str) -> str:
    """Return the token ``key``, creating it when the cache has none."""
    snapshot = request_tokens.get()
    if snapshot is not None and key in snapshot:
        return snapshot[key]

    version = shared_get(key)
    if version is None:
        shared_add(key, uuid.uuid4().hex)
        version = shared_get(key)
    # A token of its own when the cache keeps nothing, so memos reload.
    version = uuid.uuid4().hex if version is None else str(version)
    if snapshot is not None:
        snapshot[key] = version
    return version


def cache_skipped() -> bool:
    """Tell whether a recent cache failure makes reads and fills skip the cache."""
    return time.monotonic() < reads_skipped_until


def shared_get(key: str) -> Any:
    """Return the cached value of ``key``, or None when the cache cannot be read."""
    if cache_skipped():
        return None

    try:
        value = cache.get(key)
    except CACHE_ERRORS as error:
        warn_unreachable(error)
        return None

    retry_failed_bumps()
    return value


def shared_add(key: str, value: Any) -> None:
    if cache_skipped():
        return

    try:
        cache.add(key, value, timeout=None)
    except CACHE_ERRORS as error:
        warn_unreachable(error)


def shared_set(key: str, value: Any, timeout: float | None) -> None:
    """Cache ``value`` under ``key``, or do nothing when the cache cannot be written."""
    if cache_skipped():
        return

    try:
        cache.set(key, value, timeout=timeout)
    except CACHE_ERRORS as error:
        warn_unreachable(error)


def warn_unreachable(error: Exception) -> None:
    """Skip the cache for a while, and log the failure once a minute."""
    global last_warning, reads_skipped_until

    now = time.monotonic()
    reads_skipped_until = now + SKIP_READS_FOR
    if now - last_warning < WARNING_INTERVAL:
        return

    last_warning = now
    logger.warning(
        "Shared cache unreachable (%s): memos read the database until it is "
        "back; check that Redis is running at REDIS_URL",
        error,
    )


def bump_version(key: str) -> None:
    """Make every process read the rows behind ``key`` from the database again.

    A bump that fails is kept and tried again after the next cache read
    that succeeds.
    """
    version = uuid.uuid4().hex
    snapshot = request_tokens.get()
    if snapshot is not None:
        snapshot[key] = version
    try:
        cache.set(key, version, timeout=None)
    except CACHE_ERRORS as error:
        failed_bumps.add(key)
        warn_unreachable(error)
        logger.warning("Token %s not replaced, cache unreachable: retried later", key)
        return

    failed_bumps.discard(key)


def retry_failed_bumps() -> None:
    for key in list(failed_bumps):
        try:
            cache.set(key, uuid.uuid4().hex, timeout=None)
        except CACHE_ERRORS as error:
            warn_unreachable(error)
            return
        failed_bumps.discard(key)
        logger.info("Token %s replaced after the cache came back", key)


class PendingBump:
    """The commit hook of a transaction that changed the rows behind ``key``."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.done = False
        # Django names a failed commit hook by its __qualname__.
        self.__qualname__ = f"PendingBump({key!r})"

    def __call__(self) -> None:
        bump_version(self.key)
        self.done = True


def pending_bumps(key: str) -> list[PendingBump]:
    # Django drops a transaction's hooks when it rolls back, and a savepoint's
    # hooks when the savepoint rolls back, so a hook still in this list means
    # the open transaction has uncommitted changes.
    hooks = [entry[1] for entry in connection.run_on_commit]
    return [
        hook
        for hook in hooks
        if isinstance(hook, PendingBump) and hook.key == key and not hook.done
    ]


def changes_pending(key: str) -> bool:
    """Tell whether the open transaction changed the rows behind ``key``."""
    return connection.in_atomic_block and bool(pending_bumps(key))


def memoised(
    memo: dict[Hashable, tuple[str, float, ValueT]],
    name: Hashable,
    key: str,
    load: Callable[[], ValueT],
    max_age: float | None = None,
) -> ValueT:
    """Return ``memo[name]`` if it was loaded under the current token ``key``.

    Otherwise call ``load`` and keep its value under the token. ``max_age``
    (seconds) also reloads a value kept longer than that, whatever the token.
    Inside a transaction that changed the rows behind ``key``, the value is
    loaded and not kept. A dict assignment is atomic, so the threads of one
    process can share ``memo`` without a lock.
    """
    if changes_pending(key):
        return load()

    version = current_version(key)
    now = time.monotonic()
    entry = memo.get(name)
    if entry is not None:
        kept_version, loaded_at, value = entry
        young = max_age is None or now - loaded_at <= max_age
        if kept_version == version and young:
            return value

    loaded = load()
    memo[name] = (version, now, loaded)
    return loaded


def schedule_bump(key: str) -> None:
    """Replace the token ``key`` once the current transaction commits.

    A cache write that fails is logged and not raised, because the change it
    announces is committed by then.
    """
    if changes_pending(key):
        return

    transaction.on_commit(PendingBump(key), robust=True)


class VersionSnapshotMiddleware:
    """Read each version token at most once per request.

    The snapshot ends when the view returns or raises. A streamed response
    is read after that, so code that runs while streaming reads the cache as
    jobs do.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        reset = request_tokens.set({})
        try:
            return self.get_response(request)
        finally:
            request_tokens.reset(reset)
