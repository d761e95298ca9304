"""Benchmark: households registering for a trip through the API at once.

Creates an open first-come trip with 200 seats and 1,000 eligible
households, starts gunicorn on 127.0.0.1, and lets 8 client processes
register every household once. Checks that exactly 200 are confirmed and
800 waitlisted, and prints the throughput and latency. The same server
first takes as many posts to the bare one-row endpoint of slip_api.py, and
the ratio of the two rates shows the cost of registering on this machine
at this moment.

    LQ_SITE=bench DATABASE_URL=mysql://root@127.0.0.1:3306/lq_crm_bench \\
        python bench/registration_api.py [--households 1000] [--seats 200]
"""

from __future__ import annotations

import argparse
import multiprocessing
import signal
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (
    median,
    percentile,
    post_json,
    setup_django,
    start_gunicorn,
)
from bench.slip_api import measure

TARGET_RATE = 150
TARGET_P99_MS = 250


def prepare(households: int, seats: int) -> tuple[str, int]:
    """Create the households, a fresh trip and a clerk's token."""
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from lq_crm.access.models import Role
    from lq_crm.core.fixtures import sync_all
    from lq_crm.doctype.card.models import Card
    from lq_crm.doctype.event.models import Event
    from lq_crm.doctype.member.models import Member
    from lq_crm.doctype.region.models import Region

    call_command("migrate", verbosity=0, interactive=False)
    sync_all()
    jinan = Region.objects.get(name="济南市", level="city")
    existing = Card.objects.filter(card_number__startswith="BENCHREG").count()
    for index in range(existing, households):
        member = Member.objects.create(name=f"报名{index:05d}", city=jinan)
        Card.objects.create(
            card_number=f"BENCHREG{index:06d}",
            member=member,
            status=Card.Status.ACTIVE,
            legacy=True,
        )

    now = timezone.now()
    event = Event.objects.create(
        title=f"压测蛇园游 {now:%H%M%S}",
        kind=Event.Kind.TRIP,
        venue="隆力奇蛇园",
        starts_at=now + timedelta(days=30),
        ends_at=now + timedelta(days=30, hours=10),
        registration_opens_at=now - timedelta(hours=1),
        registration_closes_at=now + timedelta(days=1),
        capacity=seats,
        household_seat_limit=1,
        status=Event.Status.OPEN,
    )
    user, _created = User.objects.get_or_create(username="bench-office")
    user.groups.add(Role.objects.get(code="service_centre").group)
    token, _created = Token.objects.get_or_create(user=user)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_bare_row (id BIGINT AUTO_INCREMENT "
            "PRIMARY KEY, receipt VARCHAR(64) NOT NULL, amount DECIMAL(12,2))"
        )
    return token.key, event.pk


def client_run(args: tuple[str, int, list[int]]) -> list[tuple[int, float, str]]:
    token, event_id, indexes = args
    results = []
    for index in indexes:
        body = {
            "event": event_id,
            "card_number": f"BENCHREG{index:06d}",
            "persons": [{"name": f"报名{index:05d}"}],
        }
        status, elapsed, reply = post_json("/api/event-registrations/", token, body)
        if status != 201:
            raise RuntimeError(f"registration {index} returned HTTP {status}: {reply}")
        results.append((status, elapsed, reply["status"]))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=1000)
    parser.add_argument("--seats", type=int, default=200)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    arguments = parser.parse_args()

    setup_django()
    token, event_id = prepare(arguments.households, arguments.seats)
    shares = [
        (token, event_id, list(range(client, arguments.households, arguments.clients)))
        for client in range(arguments.clients)
    ]
    server = start_gunicorn(arguments.workers)
    try:
        bare = measure("/bench/bare/", token, arguments.households, arguments.clients)
        started = time.perf_counter()
        with multiprocessing.Pool(arguments.clients) as pool:
            results = [row for rows in pool.map(client_run, shares) for row in rows]
        elapsed = time.perf_counter() - started
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    report(arguments, event_id, results, elapsed, bare)


def report(
    arguments: argparse.Namespace,
    event_id: int,
    results: list[tuple[int, float, str]],
    elapsed: float,
    bare: dict[str, float],
) -> None:
    from lq_crm.doctype.event.models import Departure, Registration

    registrations = Registration.objects.filter(event_id=event_id)
    confirmed = registrations.filter(status="confirmed").count()
    waitlisted = registrations.filter(status="waitlisted").count()
    seats_taken = sum(
        Departure.objects.filter(event_id=event_id).values_list(
            "seats_taken", flat=True
        )
    )
    latencies = [elapsed_one for _status, elapsed_one, _state in results]
    rate = len(results) / elapsed
    p99 = percentile(latencies, 0.99) * 1000
    print(
        f"Registration API: {arguments.households} households, "
        f"{arguments.seats} seats, {arguments.clients} clients, "
        f"gunicorn with {arguments.workers} workers"
    )
    print(
        f"  confirmed {confirmed}, waitlisted {waitlisted}, seats taken {seats_taken}"
    )
    exact = (
        confirmed == arguments.seats
        and waitlisted == arguments.households - arguments.seats
    )
    print(f"  allocation exact   : {'yes' if exact else 'NO'}")
    print(f"  rate               : {rate:.1f}/s  target >= {TARGET_RATE}")
    print(f"  median latency     : {median(latencies) * 1000:.1f} ms")
    print(f"  p99 latency        : {p99:.1f} ms  target < {TARGET_P99_MS}")
    print(
        f"  bare one-row insert: {bare['rate']:.1f}/s, median "
        f"{bare['median_ms']:.1f} ms, p99 {bare['p99_ms']:.1f} ms"
    )
    print(f"  ratio to bare      : {rate / bare['rate']:.2f}")
    if not exact:
        sys.exit("Allocation was not exact: seats were over- or under-filled.")


if __name__ == "__main__":
    main()
