"""Time the member import of a 100,000-row GBK CSV against a plain insert.

Run it against a dedicated MariaDB database, which it migrates and empties:

    LQ_SITE=bench DATABASE_URL=mysql://root@127.0.0.1:3306/lq_crm_bench \\
        REDIS_URL=redis://127.0.0.1:6379/2 python bench/member_import.py

The script writes the file to a temporary folder. One row in twenty is
dirty: full-width digits, +86 or 0086 phones, names with inner spaces (all
cleaned and imported), or scientific-notation card numbers, missing names
and invalid phones (all sent to the error file). It then times three runs
on empty tables:

* import: ``import_members`` as the command runs it, with cleaning, matching,
  history rows, the error file and duplicate detection per chunk;
* baseline: the same rows read with the csv module and written with one
  multi-row INSERT per 1,000 rows, every value a query parameter, with no
  cleaning, lookups, history or duplicate detection;
* writer: the same as the baseline through ``lq_crm.core.bulk.insert_rows``,
  the importer's own writer, which puts the values shared by every row of a
  batch into the SQL once.

It prints rows per second for each, the import's time over the other two,
and the process's peak resident memory after the import
(``resource.getrusage``, max RSS), with the targets.
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import setup_django

setup_django()

from django.conf import settings  # noqa: E402

# A site with debug on logs every query, which grows memory and slows the
# multi-row inserts, so both runs go without it.
settings.DEBUG = False

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from lq_crm.core.bulk import adapter, insert_rows  # noqa: E402
from lq_crm.core.fixtures import sync_all  # noqa: E402
from lq_crm.doctype.member.models import Member  # noqa: E402
from lq_crm.doctype.region.models import Region  # noqa: E402
from lq_crm.doctype.tier.services import tier_for_spend  # noqa: E402
from lq_crm.duplicates.models import DuplicateCandidate  # noqa: E402
from lq_crm.imports.models import ImportRecord  # noqa: E402
from lq_crm.imports.services import create_record, run_import  # noqa: E402
from lq_crm.reports.models import HouseholdCount, SignupMonth  # noqa: E402

ROWS = 100_000
DIRTY_EVERY = 20
CHUNK = 1000
TARGET_ROWS_PER_SECOND = 5000
TARGET_PEAK_MB = 500
HEADER = ["姓名", "电话", "性别", "地址", "城市", "职业", "出生年份", "卡号"]
FAMILY = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰"
CITIES = ["济南市", "青岛市", "淄博市", "烟台市", "潍坊市", "济宁市"]
STREETS = ["泉城路", "经十路", "香港中路", "人民路", "解放路", "和平路"]
JOBS = ["教师", "医生", "工人", "退休", "职员", ""]
# The report aggregates are emptied too, because the import counts each new
# household in them.
TABLES = [
    DuplicateCandidate,
    Member.history.model,
    Member,
    ImportRecord,
    SignupMonth,
    HouseholdCount,
]


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in text)


def clean_row(number: int, chooser: random.Random) -> list[str]:
    name = chooser.choice(FAMILY) + "".join(chooser.choices(GIVEN, k=2))
    phone = f"13{number:09d}"
    city = chooser.choice(CITIES)
    address = f"{city}{chooser.choice(STREETS)}{chooser.randint(1, 999)}号"
    gender = chooser.choice(["男", "女", ""])
    year = str(chooser.randint(1940, 2005))
    return [name, phone, gender, address, city, chooser.choice(JOBS), year, ""]


def dirty(row: list[str], kind: int) -> list[str]:
    """Spoil one cell of a row the way a spreadsheet or a typist does."""
    phone = row[1]
    changes = {
        0: (1, full_width(phone)),
        1: (1, f"+86 {phone[:3]} {phone[3:7]} {phone[7:]}"),
        2: (0, f"{row[0][0]} {row[0][1:]}"),
        3: (7, f"{int('37' + phone[2:]):.5E}"),
        4: (0, ""),
        5: (1, phone[:6]),
    }
    position, value = changes[kind]
    spoiled = list(row)
    spoiled[position] = value
    return spoiled


def write_file(path: Path, rows: int) -> int:
    """Write the GBK CSV; return the number of rows that must fail."""
    chooser = random.Random(20260301)
    failing = 0
    with path.open("w", encoding="gbk", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(HEADER)
        for number in range(rows):
            row = clean_row(number, chooser)
            if number % DIRTY_EVERY == 0:
                kind = (number // DIRTY_EVERY) % 6
                failing += kind >= 3
                row = dirty(row, kind)
            writer.writerow(row)
    return failing


def empty_tables() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET FOREIGN_KEY_CHECKS = 0")
        for model in TABLES:
            cursor.execute(
                f"TRUNCATE TABLE {connection.ops.quote_name(model._meta.db_table)}"
            )
        cursor.execute("SET FOREIGN_KEY_CHECKS = 1")


def time_import(path: Path) -> tuple[float, ImportRecord]:
    start = time.perf_counter()
    record = create_record(path, ImportRecord.Kind.MEMBERS, user=None, status="queued")
    record = run_import(record, path=path)
    return time.perf_counter() - start, record


def plain_insert(members: list[Member]) -> None:
    """Insert the members with one INSERT, every value a query parameter.

    This is what ``insert_rows`` did before it wrote shared values into the
    SQL, so the baseline stays comparable with earlier runs.
    """
    fields = [field for field in Member._meta.concrete_fields if not field.primary_key]
    adapters = [adapter(field, connection) for field in fields]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = (
        f"INSERT INTO {quote(Member._meta.db_table)} ({columns}) VALUES "
        + ", ".join([row] * len(members))
        + f" RETURNING {quote(Member._meta.pk.column)}"
    )
    now = timezone.now()
    params = []
    for member in members:
        member.modified = now
        for field, adapt in zip(fields, adapters, strict=True):
            params.append(adapt(getattr(member, field.attname)))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for member, (pk,) in zip(members, cursor.fetchall(), strict=True):
            member.pk = pk


def time_baseline(path: Path, insert: Callable[[list[Member]], None]) -> float:
    """Insert the file's rows as they are, 1,000 per INSERT, in one pass."""
    cities = {city.name: city.pk for city in Region.objects.cities()}
    tier = tier_for_spend(0)
    start = time.perf_counter()
    with path.open(encoding="gbk", newline="") as file:
        reader = csv.reader(file)
        next(reader)
        batch: list[Member] = []
        for row in reader:
            batch.append(
                Member(
                    name=row[0],
                    phone=row[1][:20],
                    address=row[3],
                    city_id=cities[row[4]],
                    occupation=row[5],
                    tier=tier,
                )
            )
            if len(batch) == CHUNK:
                with transaction.atomic():
                    insert(batch)
                batch = []
        if batch:
            with transaction.atomic():
                insert(batch)
    return time.perf_counter() - start


def peak_megabytes() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=ROWS, help="Data rows to write.")
    options = parser.parse_args()
    if connection.vendor != "mysql":
        sys.exit("Set DATABASE_URL to a dedicated MariaDB database: mysql://...")

    call_command("migrate", verbosity=0)
    sync_all()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "members.csv"
        failing = write_file(path, options.rows)
        size = path.stat().st_size / 1024 / 1024
        print(f"file: {options.rows} rows, {size:.1f} MB GBK, {failing} rows must fail")
        before = peak_megabytes()

        empty_tables()
        seconds, record = time_import(path)
        peak = peak_megabytes()
        empty_tables()
        baseline = time_baseline(path, plain_insert)
        empty_tables()
        writer = time_baseline(path, insert_rows)
        empty_tables()

    rate = options.rows / seconds
    baseline_rate = options.rows / baseline
    print(
        f"import: {seconds:.1f} s, {rate:,.0f} rows/s "
        f"({record.created_count} created, {record.error_count} failed)"
    )
    print(f"baseline: {baseline:.1f} s, {baseline_rate:,.0f} rows/s")
    print(f"writer: {writer:.1f} s, {options.rows / writer:,.0f} rows/s")
    print(f"ratio import/baseline time: {seconds / baseline:.2f}")
    print(f"ratio import/writer time: {seconds / writer:.2f}")
    print(f"peak memory: {peak:.0f} MB (before the import: {before:.0f} MB)")
    print(
        f"target {TARGET_ROWS_PER_SECOND} rows/s: "
        f"{'met' if rate >= TARGET_ROWS_PER_SECOND else 'missed'}"
    )
    memory = "met" if peak < TARGET_PEAK_MB else "missed"
    print(f"target under {TARGET_PEAK_MB} MB: {memory}")
    if record.error_count != failing:
        sys.exit(
            f"expected {failing} failing rows, the import found {record.error_count}"
        )


if __name__ == "__main__":
    main()
