"""Benchmark: generating a card batch against Django's bulk_create of its cards.

Run it against a dedicated MariaDB database, which it migrates:

    LQ_SITE=bench DATABASE_URL=mysql://root@127.0.0.1:3306/lq_crm_bench \\
        python bench/card_batch.py [--cards 100000] [--repeat 3]

Each repeat times ``generate_batch`` on a new batch with prefix 99, which
checks the batch, saves it with its history row and inserts its cards in
stock. It then times the baseline: the same Card rows through Django's
``bulk_create`` in chunks of 1,000, with no checks or batch row. Before each
run the script deletes the cards and batches with prefix 99, and nothing
else. It prints the medians, cards per second and their ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import setup_django

setup_django()

from django.conf import settings  # noqa: E402

# A site with debug on keeps every query in memory, so the runs go without it.
settings.DEBUG = False

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from lq_crm.core.fixtures import sync_all  # noqa: E402
from lq_crm.doctype.card.models import Card, CardBatch  # noqa: E402
from lq_crm.doctype.card.services import (  # noqa: E402
    BULK_CREATE_SIZE,
    format_card_number,
    generate_batch,
)

PREFIX = "99"
WIDTH = 8


def delete_bench_cards() -> None:
    batches = list(CardBatch.objects.filter(prefix=PREFIX).values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM card_card WHERE card_number LIKE %s", [f"{PREFIX}%"]
        )
    CardBatch.history.filter(prefix=PREFIX).delete()
    CardBatch.objects.filter(pk__in=batches).delete()


def time_generate(quantity: int) -> float:
    delete_bench_cards()
    batch = CardBatch(prefix=PREFIX, width=WIDTH, first_serial=1, quantity=quantity)
    start = time.perf_counter()
    generate_batch(batch)
    elapsed = time.perf_counter() - start
    if Card.objects.filter(batch=batch).count() != quantity:
        raise SystemExit(
            f"Batch {batch.pk} has the wrong card count: expected {quantity}"
        )
    return elapsed


def time_baseline(quantity: int) -> float:
    delete_bench_cards()
    start = time.perf_counter()
    with transaction.atomic():
        cards = (
            Card(card_number=format_card_number(PREFIX, serial, WIDTH), serial=serial)
            for serial in range(1, quantity + 1)
        )
        Card.objects.bulk_create(cards, batch_size=BULK_CREATE_SIZE)
    return time.perf_counter() - start


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    return parser.parse_args()


def main() -> None:
    arguments = parse_arguments()
    call_command("migrate", verbosity=0, interactive=False)
    sync_all()

    generated: list[float] = []
    baseline: list[float] = []
    for run in range(1, arguments.repeat + 1):
        generated.append(time_generate(arguments.cards))
        baseline.append(time_baseline(arguments.cards))
        print(
            f"run {run}: generate_batch {generated[-1]:.2f} s, "
            f"bulk_create {baseline[-1]:.2f} s",
            flush=True,
        )
    delete_bench_cards()

    generate_median = statistics.median(generated)
    baseline_median = statistics.median(baseline)
    print(
        f"generate_batch: median {generate_median:.2f} s, "
        f"{arguments.cards / generate_median:,.0f} cards/s"
    )
    print(
        f"bulk_create baseline: median {baseline_median:.2f} s, "
        f"{arguments.cards / baseline_median:,.0f} cards/s"
    )
    print(f"ratio generate_batch / baseline: {generate_median / baseline_median:.2f}")


if __name__ == "__main__":
    main()
