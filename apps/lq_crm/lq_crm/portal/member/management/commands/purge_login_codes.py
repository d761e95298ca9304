from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lq_crm.portal.member.codes import purge_codes


class Command(BaseCommand):
    help = (
        "Delete member portal sign-in codes older than --days days. The rows "
        "contain phone numbers, so run it daily."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=1,
            help="Age in days past which codes are deleted (default 1).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["days"] < 0:
            raise CommandError(
                f"--days must be 0 or more, not {options['days']}: it is the age "
                "in days past which codes are deleted."
            )
        deleted = purge_codes(timedelta(days=options["days"]))
        self.stdout.write(f"Deleted {deleted} login codes.")
