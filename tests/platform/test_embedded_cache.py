"""Without Redis, the processes of one site still share their version tokens."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BUMP = """
import django
django.setup()
from django.conf import settings
from lq_crm.core import versions
versions.bump_version("test:embedded")
print(settings.CACHES["default"]["BACKEND"])
print(versions.current_version("test:embedded"))
"""

READ = """
import django
django.setup()
from lq_crm.core import versions
print(versions.current_version("test:embedded"))
"""


def run(script: str, sites: Path) -> list[str]:
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in {"DATABASE_URL", "REDIS_URL", "LQ_SITE"}
    }
    environment.update(
        LQ_SITES_DIR=str(sites),
        LQ_SITE="embedded",
        DJANGO_SETTINGS_MODULE="lq_crm.settings",
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return done.stdout.split()


@pytest.fixture
def sites(tmp_path: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "lq_crm.config", "embedded"],
        env={**os.environ, "LQ_SITES_DIR": str(tmp_path)},
        check=True,
        capture_output=True,
        timeout=60,
    )
    return tmp_path


def test_token_written_by_one_process_read_by_another(sites: Path) -> None:
    backend, written = run(BUMP, sites)

    (read,) = run(READ, sites)

    assert backend.endswith("FileBasedCache")
    assert read == written
    assert (sites / "embedded" / "cache").is_dir()
