"""A request reads each version token once; jobs and commands read it every time."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from lq_crm.core import versions

KEY = "test:versions:token"


def run_request(view: object) -> HttpResponse:
    middleware = versions.VersionSnapshotMiddleware(view)  # type: ignore[arg-type]
    return middleware(HttpRequest())


def test_request_keeps_the_token_it_read() -> None:
    seen: list[str] = []

    def view(request: HttpRequest) -> HttpResponse:
        seen.append(versions.current_version(KEY))
        # Another process replaces the token while this request runs.
        cache.set(KEY, "from-another-process", timeout=None)
        seen.append(versions.current_version(KEY))
        return HttpResponse()

    run_request(view)

    assert seen[0] == seen[1]
    assert seen[0] != "from-another-process"
    assert versions.current_version(KEY) == "from-another-process"


def test_reads_outside_request_read_cache_each_time() -> None:
    first = versions.current_version(KEY)
    cache.set(KEY, "from-another-process", timeout=None)

    assert first != "from-another-process"
    assert versions.current_version(KEY) == "from-another-process"


def test_own_bump_is_seen_in_the_same_request() -> None:
    seen: list[str] = []

    def view(request: HttpRequest) -> HttpResponse:
        seen.append(versions.current_version(KEY))
        versions.bump_version(KEY)
        seen.append(versions.current_version(KEY))
        return HttpResponse()

    run_request(view)

    assert seen[0] != seen[1]
    assert seen[1] == cache.get(KEY)


def test_snapshot_ends_when_the_view_raises() -> None:
    def view(request: HttpRequest) -> HttpResponse:
        versions.current_version(KEY)
        raise RuntimeError("view failed")

    with pytest.raises(RuntimeError):
        run_request(view)

    assert versions.request_tokens.get() is None
