"""Set up Django for a benchmark against the site named by LQ_SITE."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PORT = 8765


def setup_django() -> None:
    sys.path.insert(0, str(ROOT / "apps" / "lq_crm"))
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lq_crm.settings")
    os.environ.setdefault("LQ_SITE", "bench")
    import django

    django.setup()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))
    return ordered[index]


def median(values: list[float]) -> float:
    return statistics.median(values)


def start_gunicorn(workers: int) -> subprocess.Popen[bytes]:
    environment = dict(os.environ, DJANGO_SETTINGS_MODULE="bench.settings_bench")
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "lq_crm.wsgi",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            str(workers),
            "--pythonpath",
            f"{ROOT},{ROOT / 'apps' / 'lq_crm'}",
            "--log-level",
            "warning",
        ],
        env=environment,
        cwd=ROOT,
    )
    for _attempt in range(100):
        try:
            socket.create_connection(("127.0.0.1", PORT), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"gunicorn did not start on port {PORT}")


def post_json(path: str, token: str, body: dict) -> tuple[int, float, dict]:
    """Post ``body`` on a new connection; return status, seconds and reply."""
    import http.client
    import json

    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    started = time.perf_counter()
    connection.request("POST", path, json.dumps(body), headers)
    response = connection.getresponse()
    payload = response.read()
    elapsed = time.perf_counter() - started
    connection.close()
    return response.status, elapsed, json.loads(payload or b"{}")
