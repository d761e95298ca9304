"""Time the report dashboards on a generated club of a million households.

Run it against a dedicated MariaDB database, which it migrates and fills:

    mysql -uroot -e "CREATE DATABASE lq_reports_bench CHARACTER SET utf8mb4"
    LQ_SITE=bench DATABASE_URL=mysql://root@127.0.0.1:3306/lq_reports_bench \\
        nice python bench/dashboards.py

Steps, each timed on its own:

1. generate households, cards, slips and slip lines as CSV files and load
   them with ``LOAD DATA LOCAL INFILE`` into the tables the migrations made,
   with every index the models define;
2. rebuild the monthly aggregates from scratch (``rebuild_aggregates``);
3. compare every aggregate table with a recount (``check_aggregates``);
4. request the head office dashboard (every city) and a city dashboard
   (Jinan, as a Jinan office user) through Django's test client, and print
   the median and 95th percentile against the targets. With ``--pages``,
   time one request of each other report page too.

``--skip-rebuild`` and ``--skip-check`` leave out steps 2 and 3.

Sizes come from the environment: ``LQ_BENCH_HOUSEHOLDS`` (default 1,000,000)
and ``LQ_BENCH_LINES`` (default 10,000,000). With ``LQ_BENCH_REUSE=1`` a
database that already contains that many households is measured without being
generated again. Generating empties the member, card, slip and slip line
tables, so never point it at a database whose data you want to keep.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.common import median, percentile, setup_django  # noqa: E402

setup_django()

import MySQLdb  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, models  # noqa: E402
from django.test import Client  # noqa: E402

from lq_crm.access.models import CityScope, Role  # noqa: E402
from lq_crm.core.fixtures import sync_all  # noqa: E402
from lq_crm.doctype.card.models import Card  # noqa: E402
from lq_crm.doctype.member.models import Member  # noqa: E402
from lq_crm.doctype.product.models import ProductCategory  # noqa: E402
from lq_crm.doctype.region.models import Region  # noqa: E402
from lq_crm.doctype.slip.models import PurchaseSlip, PurchaseSlipLine  # noqa: E402
from lq_crm.doctype.store.models import Store  # noqa: E402
from lq_crm.doctype.tier.models import Tier  # noqa: E402
from lq_crm.reports.aggregates import check_aggregates, rebuild_aggregates  # noqa: E402
from lq_crm.reports.pages import PAGES  # noqa: E402

HOUSEHOLDS = int(os.environ.get("LQ_BENCH_HOUSEHOLDS", "1000000"))
LINES = int(os.environ.get("LQ_BENCH_LINES", "10000000"))
REUSE = os.environ.get("LQ_BENCH_REUSE") == "1"
REQUESTS = int(os.environ.get("LQ_BENCH_REQUESTS", "40"))
SEED = 20261204

HEAD_OFFICE_TARGET = 0.300
CITY_TARGET = 0.150
STORES_PER_CITY = 20
FIRST_DAY = date(2024, 1, 1)
LAST_DAY = date(2026, 11, 30)
LINES_PER_SLIP = (1, 4)
CANCELLED_SHARE = 0.03
# Rows per LOAD DATA statement, so that no single statement's undo log grows
# past a few hundred megabytes.
ROWS_PER_FILE = 1_000_000
ACTIVITY_WEIGHTS = {
    Member.SignupActivity.STORE: 50,
    Member.SignupActivity.COMMUNITY: 25,
    Member.SignupActivity.CAMPUS: 10,
    Member.SignupActivity.SNAKE_PARK_TRIP: 15,
}
CATEGORY_WEIGHTS = {"health": 50, "cosmetics": 30, "daily": 20}


# Loading -------------------------------------------------------------------


class TableFile:
    """CSV files of one table, written in parts of ROWS_PER_FILE rows.

    Each row starts from the table's default values, so columns that other
    parts of the project add to these models still get a valid value.
    """

    def __init__(self, model: type[models.Model], directory: Path) -> None:
        self.model = model
        self.directory = directory
        self.columns = [field.column for field in model._meta.concrete_fields]
        self.defaults = [default_value(field) for field in model._meta.concrete_fields]
        self.positions = {column: index for index, column in enumerate(self.columns)}
        self.parts: list[Path] = []
        self.rows_in_part = 0
        self.total = 0
        self.handle: Any = None
        self.writer: Any = None

    def add(self, values: dict[str, Any]) -> None:
        if self.writer is None or self.rows_in_part >= ROWS_PER_FILE:
            self.next_part()
        row = list(self.defaults)
        for column, value in values.items():
            row[self.positions[column]] = value
        self.writer.writerow(row)
        self.rows_in_part += 1
        self.total += 1

    def next_part(self) -> None:
        self.close()
        path = self.directory / f"{self.model._meta.db_table}-{len(self.parts)}.csv"
        self.handle = path.open("w", newline="", encoding="utf-8")
        self.writer = csv.writer(self.handle, lineterminator="\n")
        self.parts.append(path)
        self.rows_in_part = 0

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None


def default_value(field: models.Field) -> Any:
    """Return the CSV text of the field's default, or \\N for NULL."""
    if field.primary_key:
        return "\\N"
    if field.has_default():
        value = field.get_default()
        if isinstance(value, dict | list):
            return "{}" if isinstance(value, dict) else "[]"
        if isinstance(value, datetime):
            return local_text(value)
        if isinstance(value, bool):
            return int(value)
        return (
            ""
            if value is None and not field.null
            else value
            if value is not None
            else "\\N"
        )
    if field.null:
        return "\\N"
    if isinstance(field, models.DateTimeField):
        return "2026-01-01 00:00:00"
    if isinstance(field, models.DateField):
        return "2026-01-01"
    if isinstance(field, models.BooleanField):
        return 0
    if isinstance(field, models.JSONField):
        return "{}"
    if isinstance(field, models.IntegerField | models.DecimalField | models.FloatField):
        return 0
    return ""


def local_text(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def raw_connection() -> Any:
    """Open a MySQLdb connection that may send local files to the server."""
    database = settings.DATABASES["default"]
    return MySQLdb.connect(
        host=database["HOST"] or "127.0.0.1",
        port=int(database["PORT"] or 3306),
        user=database["USER"],
        password=database["PASSWORD"],
        database=database["NAME"],
        charset="utf8mb4",
        local_infile=1,
        autocommit=True,
    )


def load(files: list[TableFile]) -> None:
    raw = raw_connection()
    cursor = raw.cursor()
    cursor.execute("SET foreign_key_checks = 0, unique_checks = 0")
    for table_file in files:
        table_file.close()
        columns = ", ".join(f"`{column}`" for column in table_file.columns)
        for path in table_file.parts:
            started = time.perf_counter()
            cursor.execute(
                f"LOAD DATA LOCAL INFILE '{path}' INTO TABLE "
                f"`{table_file.model._meta.db_table}` CHARACTER SET utf8mb4 "
                f"FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"' "
                f"LINES TERMINATED BY '\\n' ({columns})"
            )
            print(
                f"  loaded {path.name} in {time.perf_counter() - started:.1f} s",
                flush=True,
            )
            path.unlink()
    # Fresh statistics, as a long-running database would have them.
    tables = ", ".join(f"`{table_file.model._meta.db_table}`" for table_file in files)
    cursor.execute(f"ANALYZE TABLE {tables}")
    cursor.fetchall()
    raw.close()


def empty_tables() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET foreign_key_checks = 0")
        for model in (PurchaseSlipLine, PurchaseSlip, Card, Member):
            cursor.execute(f"TRUNCATE TABLE `{model._meta.db_table}`")
        cursor.execute("SET foreign_key_checks = 1")


# Generating ----------------------------------------------------------------


@dataclass
class Catalogue:
    cities: list[Region]
    city_weights: list[int]
    stores: dict[int, list[int]]
    categories: dict[str, ProductCategory]
    tiers: list[Tier]


def prepare_catalogue() -> Catalogue:
    cities = list(Region.objects.cities().order_by("adcode"))
    stores: dict[int, list[int]] = {}
    for city in cities:
        existing = list(Store.objects.filter(city=city, code__startswith="BENCH-"))
        missing = [
            Store(
                code=f"BENCH-{city.adcode[:4]}-{index:02d}",
                name=f"{city.name}门店{index}",
                city=city,
            )
            for index in range(len(existing), STORES_PER_CITY)
        ]
        Store.objects.bulk_create(missing)
        stores[city.pk] = list(
            Store.objects.filter(city=city, code__startswith="BENCH-").values_list(
                "pk", flat=True
            )
        )
    # Jinan and Qingdao, the largest offices, get three times the others' share.
    weights = [3 if city.name in {"济南市", "青岛市"} else 1 for city in cities]
    categories = {category.code: category for category in ProductCategory.objects.all()}
    return Catalogue(
        cities, weights, stores, categories, list(Tier.objects.order_by("threshold"))
    )


def tier_for(spend: Decimal, tiers: list[Tier]) -> int:
    reached = [tier for tier in tiers if tier.threshold <= spend]
    return (reached[-1] if reached else tiers[0]).pk


def random_moment(generator: random.Random, first: date) -> datetime:
    span = (LAST_DAY - first).days
    day = first + timedelta(days=generator.randint(0, max(span, 0)))
    return datetime(
        day.year, day.month, day.day, generator.randint(8, 21), generator.randint(0, 59)
    )


def generate(directory: Path, catalogue: Catalogue) -> dict[str, int]:
    """Write every household with its card, slips and lines to CSV files."""
    generator = random.Random(SEED)
    members = TableFile(Member, directory)
    cards = TableFile(Card, directory)
    slips = TableFile(PurchaseSlip, directory)
    lines = TableFile(PurchaseSlipLine, directory)

    activities = list(ACTIVITY_WEIGHTS)
    activity_weights = list(ACTIVITY_WEIGHTS.values())
    category_codes = list(CATEGORY_WEIGHTS)
    category_weights = list(CATEGORY_WEIGHTS.values())
    mean_lines = sum(LINES_PER_SLIP) / 2
    max_slips = max(0, round(2 * LINES / HOUSEHOLDS / mean_lines))
    days = (LAST_DAY - FIRST_DAY).days
    slip_id = 0
    line_id = 0

    for member_id in range(1, HOUSEHOLDS + 1):
        city = generator.choices(catalogue.cities, catalogue.city_weights)[0]
        city_stores = catalogue.stores[city.pk]
        activity = generator.choices(activities, activity_weights)[0]
        joined = FIRST_DAY + timedelta(days=generator.randint(0, days))
        spend = Decimal("0.00")

        for _slip in range(generator.randint(0, max_slips)):
            slip_id += 1
            moment = random_moment(generator, joined)
            cancelled = generator.random() < CANCELLED_SHARE
            total = Decimal("0.00")
            for _line in range(generator.randint(*LINES_PER_SLIP)):
                line_id += 1
                category = catalogue.categories[
                    generator.choices(category_codes, category_weights)[0]
                ]
                amount = Decimal(generator.randint(1000, 80000)) / 100
                total += amount
                lines.add(
                    {
                        "id": line_id,
                        "slip_id": slip_id,
                        "category_id": category.pk,
                        "quantity": generator.randint(1, 3),
                        "amount": amount,
                        "points": int(amount),
                    }
                )
            if not cancelled:
                spend += total
            slips.add(
                {
                    "id": slip_id,
                    "created": local_text(moment),
                    "modified": local_text(moment),
                    "purchased_at": local_text(moment),
                    "receipt_number": f"R{slip_id}",
                    "receipt_key": "\\N" if cancelled else f"R{slip_id}",
                    "status": "cancelled" if cancelled else "submitted",
                    "total": total,
                    "source": PurchaseSlip.Source.IMPORT,
                    "submitted_at": local_text(moment),
                    "cancelled_at": local_text(moment) if cancelled else "\\N",
                    "card_id": member_id,
                    "member_id": member_id,
                    "store_id": generator.choice(city_stores),
                }
            )

        joined_text = f"{joined:%Y-%m-%d} 10:00:00"
        members.add(
            {
                "id": member_id,
                "created": joined_text,
                "modified": joined_text,
                "name": f"家庭{member_id}",
                "phone": f"+86139{member_id:08d}",
                "city_id": city.pk,
                "signup_activity": activity,
                "signup_store_id": (
                    generator.choice(city_stores)
                    if activity == Member.SignupActivity.STORE
                    else "\\N"
                ),
                "joined_on": f"{joined:%Y-%m-%d}",
                "consent_marketing": int(generator.random() < 0.6),
                "qualifying_spend": spend,
                "tier_id": tier_for(spend, catalogue.tiers),
            }
        )
        cards.add(
            {
                "id": member_id,
                "created": joined_text,
                "modified": joined_text,
                "card_number": f"B{member_id:09d}",
                "status": Card.Status.ACTIVE,
                "issued_at": joined_text,
                "admission_basis": Card.AdmissionBasis.LEGACY,
                "legacy": 1,
                "member_id": member_id,
            }
        )
        if member_id % 100_000 == 0:
            print(f"  generated {member_id} households, {line_id} lines", flush=True)

    files = [members, cards, slips, lines]
    for table_file in files:
        table_file.close()
    load(files)
    return {"households": members.total, "slips": slips.total, "lines": lines.total}


# Measuring -----------------------------------------------------------------


def time_requests(client: Client, path: str, count: int) -> list[float]:
    for _warm_up in range(3):
        check_response(client.get(path), path)
    timings = []
    for _request in range(count):
        started = time.perf_counter()
        response = client.get(path)
        timings.append(time.perf_counter() - started)
        check_response(response, path)
    return timings


def check_response(response: Any, path: str) -> None:
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} returned {response.status_code}")


def report(name: str, timings: list[float], target: float) -> None:
    p95 = percentile(timings, 0.95)
    verdict = "met" if p95 < target else "missed"
    print(
        f"{name}: median {median(timings) * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms over {len(timings)} requests "
        f"(target p95 < {target * 1000:.0f} ms: {verdict})",
        flush=True,
    )


def measure(other_pages: bool) -> None:
    jinan = Region.objects.cities().get(name="济南市")
    head = bench_user("bench-head", "head_office", None)
    jinan_user = bench_user("bench-jinan", "regional_office", [jinan])

    head_client = Client(SERVER_NAME="127.0.0.1")
    head_client.force_login(head)
    city_client = Client(SERVER_NAME="127.0.0.1")
    city_client.force_login(jinan_user)

    report(
        "head office dashboard",
        time_requests(head_client, "/desk/reports/", REQUESTS),
        HEAD_OFFICE_TARGET,
    )
    report(
        "Jinan dashboard",
        time_requests(city_client, "/desk/reports/", REQUESTS),
        CITY_TARGET,
    )

    if not other_pages:
        return
    print("other report pages, head office, one request each:", flush=True)
    for page in PAGES:
        path = f"/desk/reports/{page.name}/"
        started = time.perf_counter()
        check_response(head_client.get(path), path)
        print(f"  {path}: {(time.perf_counter() - started) * 1000:.0f} ms", flush=True)


def bench_user(username: str, role: str, cities: list[Region] | None) -> Any:
    """Create a desk user of ``role``, limited to ``cities`` unless None."""
    from django.contrib.auth.models import User

    User.objects.filter(username=username).delete()
    user = User.objects.create_user(username, is_staff=True)
    user.groups.add(Role.objects.get(code=role).group)
    if cities is not None:
        scope = CityScope.objects.create(user=user)
        scope.cities.set(cities)
    return user


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--skip-rebuild",
        action="store_true",
        help="Measure the aggregates as they are, without rebuilding them.",
    )
    parser.add_argument(
        "--skip-check",
        action="store_true",
        help="Do not compare the aggregates with a recount.",
    )
    parser.add_argument(
        "--pages",
        action="store_true",
        help="Also time one request of each other report page.",
    )
    return parser.parse_args()


def main() -> int:
    arguments = parse_arguments()
    print(f"households {HOUSEHOLDS}, slip lines about {LINES}", flush=True)
    call_command("migrate", verbosity=0)
    sync_all()

    if REUSE and Member.objects.count() == HOUSEHOLDS:
        print("reusing the generated club")
    else:
        empty_tables()
        started = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="lq-bench-") as directory:
            counts = generate(Path(directory), prepare_catalogue())
        print(
            f"generator: {counts['households']} households, {counts['slips']} slips, "
            f"{counts['lines']} lines in {time.perf_counter() - started:.0f} s",
            flush=True,
        )

    if not arguments.skip_rebuild:
        started = time.perf_counter()
        written = rebuild_aggregates()
        print(
            f"rebuild_aggregates: {time.perf_counter() - started:.0f} s, "
            f"rows {written}",
            flush=True,
        )

    wrong = 0
    if not arguments.skip_check:
        started = time.perf_counter()
        mismatches = check_aggregates()
        wrong = sum(mismatches.values())
        print(
            f"aggregates vs recount: {wrong} differing rows {mismatches} "
            f"in {time.perf_counter() - started:.0f} s",
            flush=True,
        )

    measure(arguments.pages)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
