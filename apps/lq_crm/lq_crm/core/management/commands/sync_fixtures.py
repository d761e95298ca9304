from typing import Any

from django.core.management.base import BaseCommand

from lq_crm.core.fixtures import sync_all


class Command(BaseCommand):
    help = "Load or update every shipped fixture; safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        for name, count in sync_all():
            self.stdout.write(f"{name}: {count}")
