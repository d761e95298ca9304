from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from lq_crm.core.demo import load_demo
from lq_crm.doctype.region.models import Region
from lq_crm.doctype.tier.models import Tier


class Command(BaseCommand):
    help = (
        "Load demo stores, households, cards and purchase slips once; a second "
        "run adds nothing."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--households",
            type=int,
            default=300,
            help="Number of demo households to create (default 300).",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=2026,
            help="Seed of the random generator; one seed gives the same data.",
        )

    def handle(self, *args: Any, households: int, seed: int, **options: Any) -> None:
        if households < 1:
            raise CommandError(f"--households must be at least 1, not {households}.")
        if not Region.objects.cities().exists() or not Tier.objects.exists():
            raise CommandError(
                "Regions or tiers are missing: run `manage.py sync_fixtures` first."
            )

        counts = load_demo(households=households, seed=seed)
        if counts is None:
            self.stdout.write("Demo data is already loaded; nothing added.")
            return

        self.stdout.write(
            f"Demo data loaded: {counts.households} households, {counts.cards} "
            f"cards, {counts.slips} slips ({counts.cancelled} cancelled), "
            f"{counts.stores} stores."
        )
