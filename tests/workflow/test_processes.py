"""A definition changed through one web process applies at once everywhere.

Two gunicorn processes and an RQ worker run against the test database and
Redis, as in production. An admin changes the permission matrix (which moves
the workflow's "cancel" roles) and adds a custom field through the first
process. The second process and a job in the worker see both changes on
their next read, without a restart.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import django_rq
import pytest
import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from rest_framework.authtoken.models import Token

from lq_crm.access.matrix import build_matrix, checkbox_name
from lq_crm.access.models import Role
from lq_crm.customize.registry import active_fields
from lq_crm.doctype.member.models import Member
from lq_crm.doctype.region.models import Region
from lq_crm.doctype.slip.models import PurchaseSlip
from lq_crm.doctype.slip.services import create_slip, submit_slip
from lq_crm.workflow.engine import available_actions
from tests.conftest import make_user
from tests.factories import PASSWORD
from tests.slips.builders import lines, make_household, make_store

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 90
JOB_TIMEOUT = 60
REQUEST_TIMEOUT = 30
STOP_GRACE = 5

pytestmark = pytest.mark.django_db(transaction=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def environment() -> dict[str, str]:
    """Return the test run's environment, pointed at the test database."""
    database = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    return {
        **os.environ,
        "DATABASE_URL": f"{database}/{connection.settings_dict['NAME']}",
        "DJANGO_SETTINGS_MODULE": "lq_crm.settings",
        "LQ_SITE": os.environ.get("LQ_SITE", "test"),
        "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'apps' / 'lq_crm'}",
    }


def wait_for_port(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"process on port {port} exited with {process.returncode}"
            )
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"timed out after {START_TIMEOUT} s waiting for port {port}")


def start_gunicorn(port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "lq_crm.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--log-level",
            "warning",
        ],
        env=environment(),
        cwd=ROOT,
    )


def start_worker() -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "manage.py", "rqworker", "default"],
        env=environment(),
        cwd=ROOT,
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a process that this test started, killing it if it lingers.

    A graceful stop of the web processes and the worker took over 20 s in
    one run on a loaded two-core machine, so they get STOP_GRACE seconds.
    """
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_GRACE)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture
def servers() -> Iterator[tuple[str, str]]:
    """Start two web processes and a worker, and return the two base URLs."""
    ports = [free_port(), free_port()]
    processes = [start_gunicorn(port) for port in ports]
    processes.append(start_worker())
    try:
        for port, process in zip(ports, processes, strict=False):
            wait_for_port(port, process)
        yield tuple(f"http://127.0.0.1:{port}" for port in ports)  # type: ignore[misc]
    finally:
        for process in processes:
            stop(process)


def run_in_worker(function: Callable[..., Any], *args: Any) -> Any:
    """Enqueue ``function`` for the worker process and return its result."""
    job = django_rq.get_queue("default").enqueue(function, *args)
    deadline = time.monotonic() + JOB_TIMEOUT
    while time.monotonic() < deadline:
        status = job.get_status(refresh=True)
        if status == "finished":
            return job.return_value()
        if status == "failed":
            result = job.latest_result()
            raise AssertionError(f"job failed: {result.exc_string if result else ''}")
        time.sleep(0.2)
    raise AssertionError(f"the worker did not finish job {job.id} in {JOB_TIMEOUT} s")


def desk_session(base_url: str, user: User) -> requests.Session:
    session = requests.Session()
    session.get(f"{base_url}/desk/login/", timeout=REQUEST_TIMEOUT)
    response = session.post(
        f"{base_url}/desk/login/?next=/desk/",
        data={
            "username": user.username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
            "next": "/desk/",
        },
        timeout=REQUEST_TIMEOUT,
        allow_redirects=False,
    )
    assert response.status_code == 302, form_errors(response.text)
    return session


def desk_post(session: requests.Session, url: str, data: dict[str, Any]) -> None:
    response = session.post(
        url,
        data={**data, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        headers={"Referer": url},
        timeout=REQUEST_TIMEOUT,
        allow_redirects=False,
    )
    assert response.status_code == 302, form_errors(response.text)


def form_errors(page: str) -> list[str]:
    """Return the texts of a desk page's form error lists, for a failure message."""
    return re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', page, re.DOTALL)


def matrix_without_clerk_cancel() -> dict[str, str]:
    """Return the matrix form as it is now, with the clerk's "cancel" unticked."""
    roles = list(Role.objects.select_related("group").order_by("pk"))
    checked = {
        cell.name
        for section in build_matrix(roles)
        for row in section.rows
        for cell in row.cells
        if cell.checked
    }
    clerk = Role.objects.get(code="store_clerk")
    cancel = clerk.group.permissions.get(codename="cancel_purchaseslip")
    checked.remove(checkbox_name(clerk.pk, cancel.pk))
    return dict.fromkeys(checked, "on")


def custom_field_form() -> dict[str, str]:
    return {
        "document_type": str(ContentType.objects.get_for_model(Member).pk),
        "key": "source",
        "label_zh": "获知渠道",
        "label_en": "Heard of us via",
        "field_type": "select",
        "options": "门店\n社区\n校园\n万人游蛇园",
        "section": "会员来源",
        "position": "10",
        "active": "on",
        "_save": "Save",
    }


def api_get(base_url: str, token: str, path: str) -> dict[str, Any]:
    response = requests.get(
        f"{base_url}{path}",
        headers={"Authorization": f"Token {token}", "Accept-Language": "en"},
        timeout=REQUEST_TIMEOUT,
    )
    assert response.status_code == 200, response.text[-2000:]
    return response.json()


def action_names(transitions: list[Any]) -> list[str]:
    return [transition.action for transition in transitions]


def field_keys(definitions: tuple[Any, ...]) -> list[str]:
    return [definition.key for definition in definitions]


def test_change_reaches_other_processes(
    servers: tuple[str, str], jinan: Region
) -> None:
    first, second = servers
    admin = User.objects.create_superuser("root")
    # The test run hashes with MD5 for speed, which the servers do not accept.
    admin.password = PBKDF2PasswordHasher().encode(PASSWORD, "workflowsalt")
    admin.save(update_fields=["password"])
    clerk = make_user("jinan-clerk", "store_clerk", [jinan])
    token = Token.objects.create(user=clerk).key
    member, card = make_household(jinan)
    slip = create_slip(
        card=card, store=make_store(jinan), receipt_number="X-1", lines=lines("80")
    )
    slip = submit_slip(slip, clerk)
    detail = f"/api/slips/{slip.pk}/"

    # Each process reads and caches the definitions before the change.
    assert api_get(second, token, detail)["actions"][0]["action"] == "cancel"
    assert action_names(run_in_worker(available_actions, slip, clerk)) == ["cancel"]
    assert "source" not in api_get(second, token, f"/api/members/{member.pk}/")
    assert field_keys(run_in_worker(active_fields, Member)) == []

    session = desk_session(first, admin)
    desk_post(
        session, f"{first}/desk/access/role/matrix/", matrix_without_clerk_cancel()
    )
    desk_post(session, f"{first}/desk/customize/customfield/add/", custom_field_form())

    assert api_get(second, token, detail)["actions"] == []
    refused = requests.post(
        f"{second}/api/slips/{slip.pk}/transition/",
        json={"action": "cancel", "reason": "after the change"},
        headers={"Authorization": f"Token {token}"},
        timeout=REQUEST_TIMEOUT,
    )
    assert refused.status_code == 403, refused.text
    assert PurchaseSlip.objects.get(pk=slip.pk).status == "submitted"
    assert action_names(run_in_worker(available_actions, slip, clerk)) == []

    assert "source" in api_get(second, token, f"/api/members/{member.pk}/")
    assert field_keys(run_in_worker(active_fields, Member)) == ["source"]
