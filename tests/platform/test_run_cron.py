"""The cron process outlives Redis: it starts its scheduler again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def start_cron(redis_url: str) -> subprocess.Popen[str]:
    environment = {**os.environ, "REDIS_URL": redis_url}
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_cron", "--retry-seconds", "1"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def stop(process: subprocess.Popen[str]) -> tuple[int, str]:
    process.send_signal(signal.SIGTERM)
    output, _errors = process.communicate(timeout=60)
    return process.returncode, output


def test_cron_keeps_running_without_redis() -> None:
    # Nothing listens on port 1, so every Redis command fails to connect.
    process = start_cron("redis://127.0.0.1:1/0")
    time.sleep(6)
    alive = process.poll() is None

    code, output = stop(process)

    assert alive, output
    assert output.count("Cron scheduler stopped, Redis failed") >= 2, output
    assert code == 0, output


def test_cron_stops_on_signal() -> None:
    process = start_cron(os.environ["REDIS_URL"])
    time.sleep(6)
    alive = process.poll() is None

    code, output = stop(process)

    assert alive, output
    assert code == 0, output
    assert "Redis failed" not in output
