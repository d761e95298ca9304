import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from lq_crm.core.jobs import enqueue
from lq_crm.duplicates.jobs import find_duplicates_job
from lq_crm.duplicates.services import SCAN_CHUNK_SIZE, scan_all_members
from lq_crm.imports.progress import ProgressBar


class Command(BaseCommand):
    help = (
        "Compare every household with those sharing its phone, name sound or "
        "address and record new candidate pairs for the desk's review queue. "
        "Pairs already recorded, including those marked not duplicates, are "
        "left as they are."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=SCAN_CHUNK_SIZE,
            help="Households compared per batch of queries (default %(default)s).",
        )
        parser.add_argument(
            "--background",
            action="store_true",
            help="Queue the scan as a background job instead of running it here.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        chunk_size = options["chunk_size"]
        if chunk_size < 1:
            raise CommandError(f"--chunk-size must be 1 or more, not {chunk_size}.")

        if options["background"]:
            enqueue(find_duplicates_job, job_id="find-duplicates")
            self.stdout.write("Duplicate scan queued as job find-duplicates.")
            return

        progress = ProgressBar(sys.stderr, "households")
        created = scan_all_members(chunk_size=chunk_size, progress=progress)
        self.stdout.write(f"{created} new candidate pairs recorded.")
