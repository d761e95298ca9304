"""Recount the monthly report aggregates from slips and households."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lq_crm.reports.aggregates import check_aggregates, rebuild_aggregates


class Command(BaseCommand):
    help = (
        "Recount every monthly report aggregate from scratch, then compare "
        "each table with a recount. With --check-only, compare without "
        "rebuilding. Exits with an error when a table differs."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check-only",
            action="store_true",
            help="Compare the aggregates with a recount without rebuilding them.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["check_only"]:
            started = time.monotonic()
            written = rebuild_aggregates()
            for table, rows in written.items():
                self.stdout.write(f"{table}: {rows} rows")
            self.stdout.write(f"Rebuilt in {time.monotonic() - started:.1f} s")

        mismatches = check_aggregates()
        wrong = {table: count for table, count in mismatches.items() if count}
        if wrong:
            listing = ", ".join(
                f"{table} ({count} rows)" for table, count in wrong.items()
            )
            raise CommandError(
                f"Aggregates differ from a recount in {listing}: "
                "run rebuild_aggregates without --check-only."
            )
        self.stdout.write("Every aggregate is equal to a recount.")
