"""Time the CDNOW slip import against a plain bulk insert of the same rows.

Run it against a dedicated MariaDB database, which it migrates and empties:

    LQ_SITE=bench DATABASE_URL=mysql://root@127.0.0.1:3306/lq_crm_bench \\
        python bench/cdnow_import.py [--repeat 3]

Each repeat empties the import's tables and times the full import, with
its rules, lookups and history rows. It then empties them again and times
the baseline. The baseline is a plain ``bulk_create`` of the same number of
households, cards, slips, lines, ledger entries and tier changes, with no
lookups, rules or history. The script prints the medians, their ratio and
the targets.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "apps" / "lq_crm"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lq_crm.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from lq_crm.core.bulk import insert_rows  # noqa: E402
from lq_crm.core.fixtures import sync_all  # noqa: E402
from lq_crm.doctype.card.models import Card  # noqa: E402
from lq_crm.doctype.member.models import Member  # noqa: E402
from lq_crm.doctype.points.models import PointsLedgerEntry  # noqa: E402
from lq_crm.doctype.product.models import ProductCategory  # noqa: E402
from lq_crm.doctype.slip.models import PurchaseSlip, PurchaseSlipLine  # noqa: E402
from lq_crm.doctype.store.models import Store  # noqa: E402
from lq_crm.doctype.tier.models import Tier, TierChange  # noqa: E402
from lq_crm.imports.models import ImportRecord  # noqa: E402
from lq_crm.imports.profiles import load_profile  # noqa: E402
from lq_crm.imports.slips import DEFAULT_CHUNK_SIZE, default_store  # noqa: E402
from lq_crm.imports.slips import import_slips as run_import  # noqa: E402

DATA_FILE = ROOT / "tests" / "data" / "cdnow" / "CDNOW_master.txt"
TARGET_SECONDS = 60.0
TARGET_RATIO = 3.0
SHANGHAI = ZoneInfo("Asia/Shanghai")

# Truncated with foreign key checks off, so their order does not matter.
TABLES = [
    PointsLedgerEntry,
    TierChange,
    PurchaseSlipLine,
    PurchaseSlip.history.model,
    PurchaseSlip,
    Card.history.model,
    Card,
    Member.history.model,
    Member,
    ImportRecord,
]


def empty_tables() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET FOREIGN_KEY_CHECKS = 0")
        for model in TABLES:
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"TRUNCATE TABLE {table}")
        cursor.execute("SET FOREIGN_KEY_CHECKS = 1")


def time_import() -> float:
    profile = load_profile("cdnow")
    start = time.perf_counter()
    run_import(DATA_FILE, profile)
    return time.perf_counter() - start


def read_raw() -> dict[str, list[tuple[datetime, int, Decimal]]]:
    rows: dict[str, list[tuple[datetime, int, Decimal]]] = {}
    with DATA_FILE.open(encoding="ascii") as file:
        next(file)
        for line in file:
            customer, day, quantity, amount = line.split()
            purchased_at = datetime.strptime(day, "%Y%m%d").replace(
                hour=12, tzinfo=SHANGHAI
            )
            rows.setdefault(customer, []).append(
                (purchased_at, int(quantity), Decimal(amount))
            )
    return rows


ModelT = TypeVar("ModelT")


def time_baseline() -> float:
    """Bulk-create the same rows per chunk of customers, without any rules."""
    return time_plain_insert(bulk_create)


def time_raw_baseline() -> float:
    """Insert the same rows through the importer's own multi-row inserts."""
    return time_plain_insert(raw_insert)


def bulk_create(objects: Iterable[ModelT]) -> list[ModelT]:
    rows = list(objects)
    return type(rows[0])._default_manager.bulk_create(rows)


def raw_insert(objects: Iterable[ModelT]) -> list[ModelT]:
    rows = list(objects)
    insert_rows(rows)
    return rows


def time_plain_insert(create: Callable[[Iterable[Any]], list[Any]]) -> float:
    start = time.perf_counter()
    rows = read_raw()
    store = default_store(load_profile("cdnow"))
    category = ProductCategory.objects.get(code="health")
    tier = Tier.objects.order_by("threshold").first()
    keys = list(rows)
    for first in range(0, len(keys), DEFAULT_CHUNK_SIZE):
        with transaction.atomic():
            insert_chunk(
                create,
                keys[first : first + DEFAULT_CHUNK_SIZE],
                rows,
                store,
                category,
                tier,
            )
    return time.perf_counter() - start


def insert_chunk(
    create: Callable[[Iterable[Any]], list[Any]],
    keys: list[str],
    rows: dict[str, list[tuple[datetime, int, Decimal]]],
    store: Store,
    category: ProductCategory,
    tier: Tier | None,
) -> None:
    members = create(
        Member(
            name=f"CDNOW {key}",
            city_id=store.city_id,
            tier=tier,
            legacy_source="bench",
            legacy_id=key,
        )
        for key in keys
    )
    cards = create(
        Card(
            card_number=f"BENCH{key}",
            status=Card.Status.ACTIVE,
            member=member,
            legacy=True,
        )
        for key, member in zip(keys, members, strict=True)
    )
    create(
        TierChange(
            member=member,
            to_tier=tier,
            cause=TierChange.Cause.MIGRATION,
            spend=Decimal(0),
        )
        for member in members
    )
    slips, lines = [], []
    for key, member, card in zip(keys, members, cards, strict=True):
        for sequence, (purchased_at, quantity, amount) in enumerate(rows[key], start=1):
            receipt = f"{key}-{sequence}"
            slips.append(
                PurchaseSlip(
                    card=card,
                    member=member,
                    store=store,
                    receipt_number=receipt,
                    receipt_key=receipt,
                    purchased_at=purchased_at,
                    status=PurchaseSlip.Status.SUBMITTED,
                    total=amount,
                )
            )
            lines.append((quantity, amount))
    slips = create(slips)
    slip_lines = create(
        PurchaseSlipLine(slip=slip, category=category, quantity=quantity, amount=amount)
        for slip, (quantity, amount) in zip(slips, lines, strict=True)
    )
    create(
        PointsLedgerEntry(
            key=f"earn:{line.pk}",
            member_id=slip.member_id,
            card_id=slip.card_id,
            slip=slip,
            slip_line=line,
            kind=PointsLedgerEntry.Kind.EARN,
            points=0,
        )
        for slip, line in zip(slips, slip_lines, strict=True)
    )


def measure(label: str, run: Callable[[], float], repeat: int) -> list[float]:
    seconds = []
    for attempt in range(1, repeat + 1):
        empty_tables()
        seconds.append(run())
        print(f"{label} run {attempt}: {seconds[-1]:.1f} s", flush=True)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="Runs of each kind.")
    options = parser.parse_args()
    if connection.vendor != "mysql":
        sys.exit("Set DATABASE_URL to a dedicated MariaDB database: mysql://...")

    call_command("migrate", verbosity=0)
    sync_all()
    imports = measure("import", time_import, options.repeat)
    baselines = measure("baseline", time_baseline, options.repeat)
    raw_baselines = measure("raw baseline", time_raw_baseline, options.repeat)
    empty_tables()

    import_median = statistics.median(imports)
    baseline_median = statistics.median(baselines)
    ratio = import_median / baseline_median
    print(f"rows: 69659 slips of 23570 customers ({DATA_FILE.name})")
    print(f"import median: {import_median:.1f} s over {options.repeat} runs")
    print(f"baseline median: {baseline_median:.1f} s over {options.repeat} runs")
    print(f"ratio import/baseline: {ratio:.2f}")
    raw_median = statistics.median(raw_baselines)
    print(f"raw baseline median: {raw_median:.1f} s over {options.repeat} runs")
    print(f"ratio import/raw baseline: {import_median / raw_median:.2f}")
    print(
        f"target under {TARGET_SECONDS:.0f} s: "
        f"{'met' if import_median < TARGET_SECONDS else 'missed'}"
    )
    print(
        f"target within {TARGET_RATIO:.0f}x baseline: "
        f"{'met' if ratio <= TARGET_RATIO else 'missed'}"
    )


if __name__ == "__main__":
    main()
