import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from lq_crm.imports.summary import club_summary


class Command(BaseCommand):
    help = (
        "Print the club's households, cards, submitted slips, their spend, "
        "the points balance and the households per tier."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--json", action="store_true", help="Print one JSON object."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        summary = club_summary()
        if options["json"]:
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
            return

        rows = [
            ("households", summary["households"]),
            ("cards", summary["cards"]),
            ("submitted slips", summary["slips"]),
            ("spend (yuan)", summary["spend"]),
            ("points", summary["points"]),
        ]
        rows.extend((f"tier {code}", count) for code, count in summary["tiers"].items())
        width = max(len(label) for label, _value in rows)
        for label, value in rows:
            self.stdout.write(f"{label:<{width}}  {value:>14}")
