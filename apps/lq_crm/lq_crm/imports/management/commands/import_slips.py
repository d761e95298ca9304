import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from lq_crm.imports.command import add_common_arguments, run_command
from lq_crm.imports.models import ImportRecord
from lq_crm.imports.profiles import ProfileError, load_profile
from lq_crm.imports.progress import ProgressBar
from lq_crm.imports.slips import ImportFailed, import_slips


class Command(BaseCommand):
    help = (
        "Import purchase slips. Without --profile the file is a CSV or XLSX in "
        "the standard columns (card number, store, date, category, amount, "
        "receipt number), one submitted slip per row. With --profile it is a "
        "purchase history imported as households, legacy cards and slips. Rows "
        "already imported are skipped, so the command can be run again."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path, help="The purchase file to import.")
        parser.add_argument(
            "--profile",
            help=(
                "A profile name from fixtures/import_profiles/ (such as cdnow) "
                "or the path of a profile YAML file."
            ),
        )
        add_common_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["profile"]:
            run_command(self, ImportRecord.Kind.SLIPS, options)
            return
        if options["dry_run"]:
            raise CommandError("--dry-run works only for the standard format.")

        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"File {path} was not found.")
        if options["chunk_size"] < 1:
            raise CommandError("--chunk-size must be at least 1.")
        try:
            profile = load_profile(options["profile"])
        except ProfileError as error:
            raise CommandError(str(error)) from None

        progress = None
        if not options["no_progress"]:
            progress = ProgressBar(sys.stderr, "customers")
        try:
            result = import_slips(
                path, profile, chunk_size=options["chunk_size"], progress=progress
            )
        except (ProfileError, ImportFailed) as error:
            raise CommandError(str(error)) from None

        counts = result.counts
        self.stdout.write(
            f"Import {result.record.pk} of {path.name} ({result.rows} rows): "
            f"{counts.households} households, {counts.cards} cards, "
            f"{counts.slips} slips and {counts.tier_changes} tier changes created; "
            f"{counts.skipped} rows already imported; {len(result.errors)} bad rows."
        )
        if result.errors:
            self.stderr.write(f"{len(result.errors)} bad rows were not imported:")
            for row_error in result.errors:
                self.stderr.write(f"  {row_error}")
