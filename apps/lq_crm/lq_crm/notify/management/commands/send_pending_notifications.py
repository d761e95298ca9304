from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from lq_crm.notify.sending import SWEEP_IDLE_FOR, send_pending_notifications


class Command(BaseCommand):
    help = (
        "Enqueue the send job of pending notifications whose job was lost, such "
        "as after Redis was down. Only rows untouched for "
        f"{int(SWEEP_IDLE_FOR.total_seconds())} seconds are taken unless --all "
        "is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--all",
            action="store_true",
            help="Take every pending notification, including ones created just now.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count = send_pending_notifications(include_recent=options["all"])
        self.stdout.write(f"Enqueued {count} pending notifications.")
