"""Keep the monthly aggregates equal to a recount of slips and households.

Callers add or remove slips and households by id inside the transaction that
changes them. Each change is one ``INSERT ... SELECT ... GROUP BY`` per table
that adds signed deltas to the keyed rows (``ON DUPLICATE KEY UPDATE`` on
MariaDB, ``ON CONFLICT DO UPDATE`` on SQLite). The upsert takes row locks on
the unique keys, so two transactions that touch one row take turns and both
deltas land. The rows are grouped in key order, which keeps lock order alike
across writers.

Months are local months: MariaDB stores datetimes in Asia/Shanghai local
time (the connection's TIME_ZONE), and SQLite stores them in UTC, so SQLite
adds eight hours (Shanghai has had no daylight saving time since 1991).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connection, transaction

from lq_crm.reports.periods import month_start

logger = logging.getLogger(__name__)

SLIP_LINE_SOURCE = (
    "slip_purchaseslip s"
    " JOIN slip_purchaseslipline l ON l.slip_id = s.id"
    " JOIN store_store st ON st.id = s.store_id"
    " JOIN member_member m ON m.id = s.member_id"
)
SLIP_SOURCE = (
    "slip_purchaseslip s"
    " JOIN store_store st ON st.id = s.store_id"
    " JOIN member_member m ON m.id = s.member_id"
)
# The line count of a slip without joining its lines once more per row.
SLIP_LINE_COUNT = (
    "(SELECT COUNT(*) FROM slip_purchaseslipline c WHERE c.slip_id = s.id)"
)
SUBMITTED = "s.status = 'submitted'"
# A household merged into another one is counted as the survivor only.
UNMERGED = "m.merged_into_id IS NULL"
ACTIVITY_PLACEHOLDER = "{activity}"


@dataclass(frozen=True)
class Aggregate:
    """One aggregate table and the grouped SELECT that recounts it.

    ``keys`` and ``values`` pair each column with its SQL expression. The
    rows are grouped by the keys, and the values are sums that deltas add to.
    ``{month}`` in an expression becomes the vendor's month function, and
    ``live`` selects the rows that a recount counts.
    """

    table: str
    keys: tuple[tuple[str, str], ...]
    values: tuple[tuple[str, str], ...]
    source: str
    id_column: str
    live: str
    # The columns of the table's unique key, when not all key columns: a
    # store's city follows from the store, so it is not part of the key.
    unique: tuple[str, ...] = ()

    @property
    def key_names(self) -> list[str]:
        return [name for name, _ in self.keys]

    @property
    def unique_names(self) -> list[str]:
        return list(self.unique) or self.key_names

    @property
    def value_names(self) -> list[str]:
        return [name for name, _ in self.values]


# TODO: a store moved to another city keeps its old city here until
# rebuild_aggregates runs; check_aggregates reports the difference.
SALES = Aggregate(
    table="reports_salesmonth",
    keys=(
        ("month", "{month}(s.purchased_at)"),
        ("city_id", "st.city_id"),
        ("store_id", "s.store_id"),
        ("category_id", "l.category_id"),
        ("activity", ACTIVITY_PLACEHOLDER),
    ),
    values=(
        ("slips", "COUNT(DISTINCT s.id)"),
        ("slip_lines", "COUNT(*)"),
        ("quantity", "SUM(l.quantity)"),
        ("spend", "SUM(l.amount)"),
    ),
    source=SLIP_LINE_SOURCE,
    id_column="s.id",
    live=SUBMITTED,
    unique=("month", "store_id", "category_id", "activity"),
)
SLIPS = Aggregate(
    table="reports_slipmonth",
    keys=(
        ("month", "{month}(s.purchased_at)"),
        ("city_id", "st.city_id"),
        ("store_id", "s.store_id"),
        ("activity", ACTIVITY_PLACEHOLDER),
    ),
    values=(
        ("slips", "COUNT(*)"),
        ("slip_lines", f"SUM({SLIP_LINE_COUNT})"),
        ("spend", "SUM(s.total)"),
    ),
    source=SLIP_SOURCE,
    id_column="s.id",
    live=SUBMITTED,
    unique=("month", "store_id", "activity"),
)
HOUSEHOLDS = Aggregate(
    table="reports_householdmonth",
    keys=(
        ("member_id", "s.member_id"),
        ("month", "{month}(s.purchased_at)"),
    ),
    values=(
        ("slips", "COUNT(*)"),
        ("spend", "SUM(s.total)"),
    ),
    source="slip_purchaseslip s",
    id_column="s.id",
    live=SUBMITTED,
)
HOUSEHOLD_CATEGORIES = Aggregate(
    table="reports_householdcategorymonth",
    keys=(
        ("member_id", "s.member_id"),
        ("month", "{month}(s.purchased_at)"),
        ("category_id", "l.category_id"),
    ),
    values=(
        ("slip_lines", "COUNT(*)"),
        ("spend", "SUM(l.amount)"),
    ),
    source="slip_purchaseslip s JOIN slip_purchaseslipline l ON l.slip_id = s.id",
    id_column="s.id",
    live=SUBMITTED,
)
SIGNUPS = Aggregate(
    table="reports_signupmonth",
    keys=(
        ("month", "{date_month}(m.joined_on)"),
        ("city_id", "m.city_id"),
        ("store_id", "COALESCE(m.signup_store_id, 0)"),
        ("activity", "m.signup_activity"),
    ),
    values=(("households", "COUNT(*)"),),
    source="member_member m",
    id_column="m.id",
    live=UNMERGED,
)

HOUSEHOLDS_NOW = Aggregate(
    table="reports_householdcount",
    keys=(
        ("city_id", "m.city_id"),
        ("tier_id", "COALESCE(m.tier_id, 0)"),
        ("activity", "m.signup_activity"),
        ("store_id", "COALESCE(m.signup_store_id, 0)"),
    ),
    values=(("households", "COUNT(*)"),),
    source="member_member m",
    id_column="m.id",
    live=UNMERGED,
)

SLIP_AGGREGATES = (SALES, SLIPS, HOUSEHOLDS, HOUSEHOLD_CATEGORIES)
MEMBER_AGGREGATES = (SIGNUPS, HOUSEHOLDS_NOW)
ALL_AGGREGATES = (*SLIP_AGGREGATES, *MEMBER_AGGREGATES)


def month_function(expression: str, *, local: bool) -> str:
    """Return SQL for the first day of the month of a datetime or date column."""
    if connection.vendor == "sqlite":
        shift = ", '+8 hours'" if local else ""
        return f"strftime('%%Y-%%m-01', {expression}{shift})"
    return f"DATE_FORMAT({expression}, '%%Y-%%m-01')"


def select_sql(
    aggregate: Aggregate, where: str, activity: str = "m.signup_activity"
) -> str:
    """Build the grouped SELECT of ``aggregate`` over the rows matching ``where``.

    The value expressions take a sign parameter each, before the parameters
    of ``where``.
    """
    expressions = []
    for name, expression in aggregate.keys:
        expression = expression.replace(ACTIVITY_PLACEHOLDER, activity)
        if "{month}(" in expression:
            column = expression.removeprefix("{month}(").removesuffix(")")
            expression = month_function(column, local=True)
        elif "{date_month}(" in expression:
            column = expression.removeprefix("{date_month}(").removesuffix(")")
            expression = month_function(column, local=False)
        expressions.append(f"{expression} AS {name}")
    expressions += [
        f"%s * {expression} AS {name}" for name, expression in aggregate.values
    ]

    positions = ", ".join(
        str(position) for position in range(1, len(aggregate.keys) + 1)
    )
    # MariaDB may drive a rebuild from the store index and visit the slips
    # in random order; STRAIGHT_JOIN keeps the order of the FROM clause,
    # which starts with the slips, read in primary key order.
    join_order = "STRAIGHT_JOIN " if connection.vendor == "mysql" else ""
    return (
        f"SELECT {join_order}{', '.join(expressions)} FROM {aggregate.source}"
        f" WHERE {where} GROUP BY {positions} ORDER BY {positions}"
    )


def upsert_suffix(aggregate: Aggregate) -> str:
    if connection.vendor == "sqlite":
        updates = ", ".join(
            f"{name} = {name} + excluded.{name}" for name in aggregate.value_names
        )
        conflict = ", ".join(aggregate.unique_names)
        return f" ON CONFLICT ({conflict}) DO UPDATE SET {updates}"

    updates = ", ".join(
        f"{name} = {name} + VALUES({name})" for name in aggregate.value_names
    )
    return f" ON DUPLICATE KEY UPDATE {updates}"


def add_rows(
    aggregate: Aggregate,
    where: str,
    params: Sequence[Any],
    sign: int,
    activity: str | None = None,
) -> None:
    """Add (sign 1) or subtract (sign -1) the grouped rows matching ``where``.

    ``activity`` replaces the household's current sign-up activity in the key.
    """
    columns = ", ".join(aggregate.key_names + aggregate.value_names)
    select = select_sql(aggregate, where, "%s" if activity else "m.signup_activity")
    sql = (
        f"INSERT INTO {aggregate.table} ({columns}) {select}{upsert_suffix(aggregate)}"
    )
    sign_params = [sign] * len(aggregate.values)
    activity_params = [activity] if activity else []
    with connection.cursor() as cursor:
        cursor.execute(sql, [*activity_params, *sign_params, *params])


def id_condition(aggregate: Aggregate, ids: Sequence[int]) -> str:
    return f"{aggregate.id_column} IN ({', '.join(['%s'] * len(ids))})"


def count_slips(slip_ids: Iterable[int], sign: int = 1) -> None:
    """Add the slips to every slip aggregate, or remove them with ``sign=-1``.

    Call it in the transaction that submits (sign 1) or cancels (sign -1) the
    slips, after their lines are written. It does not look at the slips'
    status, so each submit and each cancel must call it exactly once.
    Code that moves submitted slips to another household or store calls it
    with sign -1 before the move and with sign 1 after it.
    """
    ids = sorted(set(slip_ids))
    if not ids:
        return

    for aggregate in SLIP_AGGREGATES:
        add_rows(aggregate, id_condition(aggregate, ids), ids, sign)


def count_signups(member_ids: Iterable[int], sign: int = 1) -> None:
    """Add new households to the household aggregates, or remove them (sign -1).

    Call it in the transaction that creates the households. A household
    merged into another one is not counted.
    """
    ids = sorted(set(member_ids))
    if not ids:
        return

    for aggregate in MEMBER_AGGREGATES:
        where = f"{aggregate.live} AND {id_condition(aggregate, ids)}"
        add_rows(aggregate, where, ids, sign)


def move_household_activity(member_id: int, old_activity: str) -> None:
    """Move a household's submitted slips from its old sign-up activity to the new."""
    where = f"s.member_id = %s AND {SUBMITTED}"
    for aggregate in (SALES, SLIPS):
        add_rows(aggregate, where, [member_id], -1, activity=old_activity)
        add_rows(aggregate, where, [member_id], 1)


def rebuild_aggregates() -> dict[str, int]:
    """Recount every aggregate table from scratch in one transaction.

    Return the number of rows written per table. Slips submitted while the
    rebuild runs wait for its row locks and then add their deltas on top.
    """
    written = {}
    with transaction.atomic():
        for aggregate in ALL_AGGREGATES:
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {aggregate.table}")
            add_rows(aggregate, aggregate.live, [], 1)
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT COUNT(*) FROM {aggregate.table}")
                written[aggregate.table] = cursor.fetchone()[0]
            logger.info(
                "Aggregate %s rebuilt: %s rows",
                aggregate.table,
                written[aggregate.table],
            )
    return written


def check_aggregates() -> dict[str, int]:
    """Compare every aggregate table with a recount; return wrong rows per table.

    A row is wrong when it differs from the recount or is missing. A stored
    row that the recount lacks is wrong unless all its values are zero,
    because slips submitted and then cancelled leave such rows behind.
    """
    return {
        aggregate.table: count_mismatches(aggregate) for aggregate in ALL_AGGREGATES
    }


def count_mismatches(aggregate: Aggregate) -> int:
    """Count the keys whose stored values differ from a recount.

    The stored rows and the negated recount are stacked and summed per key,
    so one grouping pass finds wrong, missing and extra rows without a join.
    """
    keys = ", ".join(aggregate.key_names)
    stored = ", ".join(aggregate.key_names + aggregate.value_names)
    sums = ", ".join(f"SUM({name}) AS {name}" for name in aggregate.value_names)
    differs = " OR ".join(f"SUM({name}) <> 0" for name in aggregate.value_names)
    recount = select_sql(aggregate, aggregate.live)
    sql = (
        f"SELECT COUNT(*) FROM (SELECT {keys}, {sums} FROM ("
        f"SELECT {stored} FROM {aggregate.table}"
        f" UNION ALL SELECT {stored} FROM ({recount}) recount"
        f") stacked GROUP BY {keys} HAVING {differs}) wrong"
    )
    params = [-1] * len(aggregate.values)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return int(row[0]) if row else 0


@dataclass(frozen=True)
class HouseholdKey:
    """The member fields that place a household in the household aggregates."""

    joined_on: date
    city_id: int
    tier_id: int | None
    activity: str
    store_id: int | None
    merged: bool = False


def remove_household(key: HouseholdKey) -> None:
    """Subtract one household, as it was, from the household aggregates.

    A merged household is not counted, so nothing is subtracted for it.
    """
    if key.merged:
        return

    signup = [month_start(key.joined_on), key.city_id, key.store_id or 0, key.activity]
    count = [key.city_id, key.tier_id or 0, key.activity, key.store_id or 0]
    rows: dict[Aggregate, list[Any]] = {SIGNUPS: signup, HOUSEHOLDS_NOW: count}
    for aggregate, values in rows.items():
        columns = ", ".join(aggregate.key_names + aggregate.value_names)
        placeholders = ", ".join(["%s"] * len(values))
        sql = f"INSERT INTO {aggregate.table} ({columns}) VALUES ({placeholders}, -1)"
        with connection.cursor() as cursor:
            cursor.execute(sql + upsert_suffix(aggregate), values)
