from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand

USERNAME = "admin"


def password_file() -> Path:
    return Path(settings.SITE_DIR) / "admin_password.txt"


def write_secret(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by its owner only (mode 600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text + "\n")
    os.chmod(path, 0o600)


class Command(BaseCommand):
    help = (
        "Create the superuser 'admin' with a generated password if it does not "
        "exist, keep the password in the site folder, and print the desk login."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        path = password_file()
        if not User.objects.filter(username=USERNAME).exists():
            password = secrets.token_urlsafe(12)
            User.objects.create_superuser(USERNAME, password=password)
            write_secret(path, password)
            self.stdout.write(f"Created superuser {USERNAME!r}.")

        self.stdout.write("Desk: /desk/")
        self.stdout.write(f"Login: {USERNAME}")
        if path.exists():
            password = path.read_text(encoding="utf-8").strip()
            self.stdout.write(f"Password: {password}  (kept in {path})")
        else:
            self.stdout.write(
                f"Password: not stored in {path}, because the user existed "
                f"already; change it with `manage.py changepassword {USERNAME}`."
            )
