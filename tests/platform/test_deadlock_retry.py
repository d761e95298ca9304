"""A transaction that InnoDB rolls back as a deadlock victim runs again."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import OperationalError, connection, transaction

from lq_crm.core.transactions import atomic_with_retry
from lq_crm.doctype.member.models import Member
from lq_crm.doctype.region.models import Region

pytestmark = pytest.mark.django_db(transaction=True)


def lock_in_order(
    first: int, second: int, barrier: threading.Barrier, runs: list[str], name: str
) -> Callable[[], None]:
    """Return work that locks two households, meeting the other thread in between."""

    def work() -> None:
        runs.append(name)
        Member.objects.select_for_update().get(pk=first)
        if runs.count(name) == 1:
            # Only the first attempts meet, so that the retry runs alone.
            barrier.wait(timeout=10)
        Member.objects.filter(pk=second).update(name=f"locked by {name}")

    return work


def run_in_threads(works: dict[str, Callable[[], None]]) -> dict[str, BaseException]:
    errors: dict[str, BaseException] = {}

    def run(name: str, work: Callable[[], None]) -> None:
        try:
            work()
        except BaseException as error:
            errors[name] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(name, work)) for name, work in works.items()
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def two_households(jinan: Region) -> tuple[int, int]:
    first = Member.objects.create(name="甲", city=jinan)
    second = Member.objects.create(name="乙", city=jinan)
    return first.pk, second.pk


def test_deadlock_victim_runs_again(jinan: Region) -> None:
    first, second = two_households(jinan)
    barrier = threading.Barrier(2)
    runs: list[str] = []

    errors = run_in_threads(
        {
            name: lambda work=work, name=name: atomic_with_retry(work, name)
            for name, work in {
                "a": lock_in_order(first, second, barrier, runs, "a"),
                "b": lock_in_order(second, first, barrier, runs, "b"),
            }.items()
        }
    )

    assert errors == {}
    assert sorted(runs) in (["a", "a", "b"], ["a", "b", "b"])


def test_deadlock_without_retry_is_raised(jinan: Region) -> None:
    first, second = two_households(jinan)
    barrier = threading.Barrier(2)
    runs: list[str] = []

    def once(work: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            with transaction.atomic():
                work()

        return run

    errors = run_in_threads(
        {
            "a": once(lock_in_order(first, second, barrier, runs, "a")),
            "b": once(lock_in_order(second, first, barrier, runs, "b")),
        }
    )

    assert len(errors) == 1
    error = next(iter(errors.values()))
    assert isinstance(error, OperationalError)
    assert error.args[0] == 1213


def test_inside_open_transaction_runs_once(jinan: Region) -> None:
    runs: list[str] = []

    def work() -> int:
        runs.append("inner")
        return len(runs)

    with transaction.atomic():
        result = atomic_with_retry(work, "test")

    assert result == 1
    assert runs == ["inner"]
