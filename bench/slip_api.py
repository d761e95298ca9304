"""Benchmark: slips created and submitted through the API under gunicorn.

Starts gunicorn on 127.0.0.1 against the bench site's MariaDB, then posts
slips (create and submit, two lines) from several client processes, and in
the same run posts to a bare endpoint that inserts one row. Prints the
throughput, median and p99 latency of each and their ratio, then checks
that the bench households' spend and points equal their slips' lines, and
exits with 1 when they do not.

    LQ_SITE=bench DATABASE_URL=mysql://root@127.0.0.1:3306/lq_crm_bench \\
        python bench/slip_api.py [--requests 3000] [--clients 8]
"""

from __future__ import annotations

import argparse
import multiprocessing
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common
from bench.common import median, percentile, post_json, setup_django, start_gunicorn

MEMBERS = 2000
TARGET_RATE = 250
TARGET_RATIO = 0.5


def prepare(token_user: str) -> str:
    """Migrate, load fixtures, and create households, a store and a token."""
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection
    from rest_framework.authtoken.models import Token

    from lq_crm.access.models import Role
    from lq_crm.core.fixtures import sync_all
    from lq_crm.doctype.card.models import Card
    from lq_crm.doctype.member.models import Member
    from lq_crm.doctype.region.models import Region
    from lq_crm.doctype.store.models import Store

    call_command("migrate", verbosity=0, interactive=False)
    sync_all()
    jinan = Region.objects.get(name="济南市", level="city")
    Store.objects.get_or_create(
        code="BENCH", defaults={"name": "压测门店", "city": jinan}
    )
    existing = Card.objects.filter(card_number__startswith="BENCH").count()
    for index in range(existing, MEMBERS):
        member = Member.objects.create(name=f"压测{index:05d}", city=jinan)
        Card.objects.create(
            card_number=f"BENCH{index:06d}",
            member=member,
            status=Card.Status.ACTIVE,
            legacy=True,
        )
    user, _created = User.objects.get_or_create(username=token_user)
    user.groups.add(Role.objects.get(code="store_clerk").group)
    token, _created = Token.objects.get_or_create(user=user)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_bare_row (id BIGINT AUTO_INCREMENT "
            "PRIMARY KEY, receipt VARCHAR(64) NOT NULL, amount DECIMAL(12,2))"
        )
    return token.key


def client_run(args: tuple[str, str, int, int, str]) -> list[float]:
    """Post ``count`` requests one after another; return each latency in seconds."""
    path, token, first, count, run_id = args
    latencies = []
    for index in range(first, first + count):
        body = {
            "card_number": f"BENCH{index % MEMBERS:06d}",
            "store": "BENCH",
            "receipt_number": f"{run_id}-{index}",
            "amount": "1.00",
            "submit": True,
            "lines": [
                {"category": "health", "amount": "128.00"},
                {"category": "daily", "amount": "19.90"},
            ],
        }
        status, elapsed, _reply = post_json(path, token, body)
        latencies.append(elapsed)
        if status != 201:
            raise RuntimeError(f"{path} returned HTTP {status} for request {index}")
    return latencies


def measure(path: str, token: str, requests: int, clients: int) -> dict[str, float]:
    per_client = requests // clients
    run_id = f"{path.strip('/').replace('/', '-')}-{time.time_ns()}"
    jobs = [(path, token, i * per_client, per_client, run_id) for i in range(clients)]
    started = time.perf_counter()
    with multiprocessing.Pool(clients) as pool:
        results = pool.map(client_run, jobs)
    elapsed = time.perf_counter() - started
    latencies = [latency for result in results for latency in result]
    return {
        "rate": len(latencies) / elapsed,
        "median_ms": median(latencies) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--port",
        type=int,
        default=common.PORT,
        help="Local port for gunicorn. Change it when another benchmark uses it.",
    )
    arguments = parser.parse_args()
    # start_gunicorn and post_json read the module's PORT, and the client
    # processes are forked after this assignment, so they see it too.
    common.PORT = arguments.port

    setup_django()
    token = prepare("bench-clerk")
    server = start_gunicorn(arguments.workers)
    try:
        slips, bare = [], []
        for _round in range(arguments.rounds):
            bare.append(
                measure("/bench/bare/", token, arguments.requests, arguments.clients)
            )
            slips.append(
                measure("/api/slips/", token, arguments.requests, arguments.clients)
            )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    report(arguments, slips, bare)
    if not totals_exact():
        sys.exit(1)


def totals_exact() -> bool:
    """Compare the bench households' spend and points with their slips' lines.

    Print the two pairs of sums, and whether they match.
    """
    from django.db.models import Sum

    from lq_crm.doctype.member.models import Member
    from lq_crm.doctype.points.models import PointsLedgerEntry
    from lq_crm.doctype.slip.models import PurchaseSlip, PurchaseSlipLine

    households = Member.objects.filter(cards__card_number__startswith="BENCH")
    lines = PurchaseSlipLine.objects.filter(
        slip__member__in=households, slip__status=PurchaseSlip.Status.SUBMITTED
    )
    spend = households.aggregate(total=Sum("qualifying_spend"))["total"]
    line_spend = lines.filter(category__qualifying=True).aggregate(total=Sum("amount"))[
        "total"
    ]
    points = PointsLedgerEntry.objects.filter(member__in=households).aggregate(
        total=Sum("points")
    )["total"]
    line_points = lines.aggregate(total=Sum("points"))["total"]

    exact = spend == line_spend and points == line_points
    print(f"  households' spend / lines    : {spend} / {line_spend}")
    print(f"  ledger points / line points  : {points} / {line_points}")
    print(f"  totals exact                 : {'yes' if exact else 'NO'}")
    return exact


def summary(runs: list[dict[str, float]]) -> str:
    rate = median([run["rate"] for run in runs])
    middle = median([run["median_ms"] for run in runs])
    tail = median([run["p99_ms"] for run in runs])
    return f"{rate:8.1f}/s   median {middle:6.1f} ms   p99 {tail:6.1f} ms"


def report(
    arguments: argparse.Namespace,
    slips: list[dict[str, float]],
    bare: list[dict[str, float]],
) -> None:
    slip_rate = median([run["rate"] for run in slips])
    ratio = slip_rate / median([run["rate"] for run in bare])
    print(
        f"Slip API: {arguments.requests} requests x {arguments.rounds} rounds, "
        f"{arguments.clients} clients, gunicorn with {arguments.workers} workers"
    )
    print(f"  create+submit slip, two lines: {summary(slips)}")
    print(f"  bare one-row insert          : {summary(bare)}")
    print(f"  ratio slip/bare (medians)    : {ratio:.2f}  target >= {TARGET_RATIO}")
    verdict = "met" if slip_rate >= TARGET_RATE else "not met"
    print(f"  slips/s target {TARGET_RATE}          : {verdict}")


if __name__ == "__main__":
    main()
