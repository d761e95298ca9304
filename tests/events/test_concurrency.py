"""Many OS processes registering and cancelling at once, each on its own connection.

The children are forked, so they see the test database that pytest-django
created; each closes the inherited connections first and opens its own.
"""

from __future__ import annotations

import multiprocessing
import traceback
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connections
from django.db.models import Sum

from lq_crm.doctype.card.models import Card
from lq_crm.doctype.event.allocation import (
    cancel_registration,
    ensure_default_departure,
    register,
)
from lq_crm.doctype.event.models import Departure, Registration
from lq_crm.doctype.region.models import Region

from .builders import make_event, make_household, persons

pytestmark = pytest.mark.django_db(transaction=True)

Status = Registration.Status
PROCESSES = 8
FORK = multiprocessing.get_context("fork")


def run_in_processes(
    work: Callable[[Any], Any], batches: list[list[Any]]
) -> tuple[list[Any], list[str]]:
    """Run ``work(item)`` for each batch in its own process, all starting together.

    Returns the results and the formatted errors of every item.
    """
    barrier = FORK.Barrier(len(batches))
    outcomes = FORK.Queue()

    def child(batch: list[Any]) -> None:
        connections.close_all()
        try:
            barrier.wait(timeout=60)
            for item in batch:
                try:
                    outcomes.put(("ok", work(item)))
                except Exception:
                    outcomes.put(("error", traceback.format_exc()))
        finally:
            connections.close_all()

    # Closing a MySQL connection sends a quit message on its socket, so the
    # parent closes its own before forking rather than letting a child close
    # the shared one under it.
    connections.close_all()
    processes = [FORK.Process(target=child, args=(batch,)) for batch in batches]
    for process in processes:
        process.start()
    expected = sum(len(batch) for batch in batches)
    received = [outcomes.get(timeout=120) for _ in range(expected)]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0

    results = [value for kind, value in received if kind == "ok"]
    errors = [value for kind, value in received if kind == "error"]
    return results, errors


def split(items: list[Any], parts: int) -> list[list[Any]]:
    return [items[index::parts] for index in range(parts)]


def confirmed_seats(departure: Departure) -> int:
    total = Registration.objects.filter(
        departure=departure, status=Status.CONFIRMED
    ).aggregate(total=Sum("seats"))["total"]
    return total or 0


def register_card(event_id: int, seats: int) -> Callable[[int], int]:
    def work(card_id: int) -> int:
        from lq_crm.doctype.event.models import Event

        card = Card.objects.get(pk=card_id)
        event = Event.objects.get(pk=event_id)
        registration = register(event, card, persons(seats), waitlist_rest=True)
        return registration.pk

    return work


def test_parallel_registrations_never_overbook(jinan: Region) -> None:
    event = make_event(capacity=5)
    [departure] = ensure_default_departure(event)
    cards = [make_household(jinan, f"住户{n}")[1].pk for n in range(40)]

    results, errors = run_in_processes(
        register_card(event.pk, 1), split(cards, PROCESSES)
    )

    assert errors == []
    assert len(results) == 40
    departure.refresh_from_db()
    registrations = Registration.objects.filter(event=event)
    confirmed = registrations.filter(status=Status.CONFIRMED)
    waitlisted = registrations.filter(status=Status.WAITLISTED)
    assert confirmed.count() == 5
    assert confirmed_seats(departure) == departure.capacity
    assert departure.seats_taken == 5
    positions = list(waitlisted.values_list("waitlist_position", flat=True))
    assert len(positions) == 35
    assert sorted(positions) == list(range(1, 36))


def test_parallel_parties_of_two_never_overbook(jinan: Region) -> None:
    event = make_event(capacity=5)
    [departure] = ensure_default_departure(event)
    cards = [make_household(jinan, f"住户{n}")[1].pk for n in range(24)]

    _results, errors = run_in_processes(
        register_card(event.pk, 2), split(cards, PROCESSES)
    )

    assert errors == []
    departure.refresh_from_db()
    assert confirmed_seats(departure) == 4
    assert departure.seats_taken == 4
    assert Registration.objects.filter(status=Status.WAITLISTED).count() == 22


def test_parallel_cancellations_promote_within_capacity(
    jinan: Region, head_office_admin: User
) -> None:
    event = make_event(capacity=5)
    [departure] = ensure_default_departure(event)
    registrations = [
        register(
            event,
            make_household(jinan, f"住户{n}")[1],
            persons(1 + n % 2),
            waitlist_rest=True,
        )
        for n in range(20)
    ]
    to_cancel = [r.pk for r in registrations if r.status == Status.CONFIRMED]
    to_cancel += [r.pk for r in registrations if r.status == Status.WAITLISTED][:4]
    user_id = head_office_admin.pk

    def cancel(registration_id: int) -> int:
        user = User.objects.get(pk=user_id)
        registration = Registration.objects.get(pk=registration_id)
        return cancel_registration(registration, user).pk

    _results, errors = run_in_processes(cancel, split(to_cancel, len(to_cancel)))

    assert errors == []
    departure.refresh_from_db()
    assert departure.seats_taken == confirmed_seats(departure)
    assert departure.seats_taken <= departure.capacity
    # Parties of one remain on the waiting list, so every freed seat is taken.
    assert departure.seats_taken == departure.capacity
    assert Registration.objects.filter(
        pk__in=to_cancel, status=Status.CANCELLED
    ).count() == len(to_cancel)


def test_parallel_waitlist_follows_seat_decisions(jinan: Region) -> None:
    event = make_event(capacity=3)
    [departure] = ensure_default_departure(event)
    cards = [make_household(jinan, f"住户{n}")[1].pk for n in range(32)]

    _results, errors = run_in_processes(
        register_card(event.pk, 1), split(cards, PROCESSES)
    )

    assert errors == []
    waiting = Registration.objects.filter(
        departure=departure, status=Status.WAITLISTED
    ).order_by("waitlist_position")
    positions = [row.waitlist_position for row in waiting]
    assert positions == list(range(1, 30))
    # The seat decision and the save that stores its outcome both happen
    # while the departure is locked, so ``modified`` orders the decisions.
    decided_at = [row.modified for row in waiting]
    assert decided_at == sorted(decided_at)
    confirmed_at = Registration.objects.filter(
        departure=departure, status=Status.CONFIRMED
    ).values_list("modified", flat=True)
    assert max(confirmed_at) <= decided_at[0]


def test_parallel_double_submit_registers_once(jinan: Region) -> None:
    event = make_event(capacity=5)
    ensure_default_departure(event)
    card_id = make_household(jinan, "王建国")[1].pk
    event_id = event.pk

    def submit(_copy: int) -> int:
        from lq_crm.doctype.event.models import Event

        registration = register(
            Event.objects.get(pk=event_id),
            Card.objects.get(pk=card_id),
            persons(2),
            submission_key="form-1",
        )
        return registration.pk

    results, errors = run_in_processes(submit, [[copy] for copy in range(4)])

    assert errors == []
    assert len(set(results)) == 1
    assert Registration.objects.filter(event=event).count() == 1
    assert Departure.objects.get(event=event).seats_taken == 2


def test_parallel_first_registrations_share_departure(jinan: Region) -> None:
    event = make_event(capacity=4)
    cards = [make_household(jinan, f"住户{n}")[1].pk for n in range(8)]
    event_id = event.pk

    def work(card_id: int) -> int:
        from lq_crm.doctype.event.models import Event

        # The API reads the event with its departures prefetched, so every
        # process starts from an empty list of departures.
        prefetched = Event.objects.prefetch_related("departures").get(pk=event_id)
        card = Card.objects.get(pk=card_id)
        return register(prefetched, card, persons(1), waitlist_rest=True).pk

    _results, errors = run_in_processes(work, split(cards, PROCESSES))

    assert errors == []
    [departure] = Departure.objects.filter(event=event)
    assert departure.capacity == 4
    assert departure.seats_taken == 4
    assert Registration.objects.filter(status=Status.WAITLISTED).count() == 4
