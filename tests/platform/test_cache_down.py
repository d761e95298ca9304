"""With the shared cache unreachable, memos read the database and requests work.

Sign-in codes are not sent, because their limits cannot be counted, and the
office portal's login works without its lock.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client, override_settings
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from lq_crm.core import versions
from lq_crm.customize import registry as custom_registry
from lq_crm.doctype.member.models import Member
from lq_crm.doctype.points.services import balance
from lq_crm.doctype.region.models import Region
from lq_crm.doctype.slip.models import PurchaseSlip
from lq_crm.portal.member.codes import CodeError, request_sign_in_code
from lq_crm.portal.member.models import LoginCode
from lq_crm.workflow import registry as workflow_registry
from tests.factories import MemberFactory
from tests.portal.test_member_support import code_messages
from tests.slips.builders import make_household, make_store

pytestmark = pytest.mark.django_db

# Nothing listens on port 1, so every cache command fails to connect.
UNREACHABLE_CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
    }
}


@pytest.fixture(autouse=True)
def fresh_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(versions, "last_warning", 0.0)
    monkeypatch.setattr(versions, "reads_skipped_until", 0.0)
    monkeypatch.setattr(versions, "failed_bumps", set())


def counting_loader() -> Callable[[], int]:
    """Return a loader that returns how many times it has been called."""
    loads: list[int] = []

    def load() -> int:
        loads.append(1)
        return len(loads)

    return load


def test_memo_reloads_while_unreachable(caplog: pytest.LogCaptureFixture) -> None:
    memo: dict = {}
    load = counting_loader()

    with override_settings(CACHES=UNREACHABLE_CACHES):
        first = versions.memoised(memo, "value", "test:down", load)
        second = versions.memoised(memo, "value", "test:down", load)
        versions.bump_version("test:down")

    assert first == 1
    assert second == 2
    assert caplog.text.count("Shared cache unreachable") == 1


def test_reads_skip_cache_after_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    versions.bump_version("test:skip")

    with override_settings(CACHES=UNREACHABLE_CACHES):
        versions.shared_get("test:skip")
    skipped = versions.shared_get("test:skip")
    monkeypatch.setattr(versions, "reads_skipped_until", 0.0)
    read = versions.shared_get("test:skip")

    assert skipped is None
    assert read is not None


def test_memo_kept_once_reachable(monkeypatch: pytest.MonkeyPatch) -> None:
    memo: dict = {}
    load = counting_loader()

    with override_settings(CACHES=UNREACHABLE_CACHES):
        versions.memoised(memo, "value", "test:back", load)
    monkeypatch.setattr(versions, "reads_skipped_until", 0.0)
    versions.memoised(memo, "value", "test:back", load)
    value = versions.memoised(memo, "value", "test:back", load)

    assert value == 2


def test_api_slip_while_unreachable(
    jinan: Region, jinan_clerk: User, caplog: pytest.LogCaptureFixture
) -> None:
    member, card = make_household(jinan)
    make_store(jinan)
    client = APIClient()
    token, _created = Token.objects.get_or_create(user=jinan_clerk)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    body = {
        "card_number": card.card_number,
        "store": "JN001",
        "receipt_number": "DOWN-1",
        "submit": True,
        "lines": [{"category": "health", "amount": "88.50"}],
    }

    with override_settings(CACHES=UNREACHABLE_CACHES):
        response = client.post("/api/slips/", body, format="json")

    assert response.status_code == 201, response.content
    assert balance(member) == 88
    assert "Shared cache unreachable" in caplog.text


def test_no_sign_in_code_while_unreachable(caplog: pytest.LogCaptureFixture) -> None:
    phone = "+8613811110009"
    MemberFactory(phone=phone)

    with override_settings(CACHES=UNREACHABLE_CACHES), pytest.raises(CodeError):
        request_sign_in_code(phone, "10.0.0.9")

    assert code_messages(phone) == []
    assert not LoginCode.objects.filter(phone=phone).exists()
    assert "not counted: cache unreachable" in caplog.text


def test_code_page_explains_unreachable() -> None:
    phone = "+8613811110008"
    MemberFactory(phone=phone)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")

    with override_settings(CACHES=UNREACHABLE_CACHES):
        response = client.post(reverse("member_portal:sign-in"), {"phone": phone})

    assert response.status_code == 200
    assert "Codes cannot be sent at the moment" in response.content.decode()
    assert code_messages(phone) == []


def test_office_login_while_unreachable(
    jinan_clerk: User, caplog: pytest.LogCaptureFixture
) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    login = reverse("office_portal:login")

    with override_settings(CACHES=UNREACHABLE_CACHES):
        failed = client.post(
            login, {"username": "jinan-clerk", "password": "wrong-password"}
        )
        signed_in = client.post(
            login, {"username": "jinan-clerk", "password": "secret-pass-1"}
        )

    assert failed.status_code == 200
    assert signed_in.status_code == 302
    assert signed_in["Location"] == reverse("office_portal:dashboard")
    assert "login failure not counted" in caplog.text


@pytest.fixture
def silent_server() -> Iterator[str]:
    """Return the URL of a server that accepts connections and never replies."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    # Closing the listener resets the waiting connections, so a client
    # without a socket timeout fails the test after 20 s instead of hanging.
    closer = threading.Timer(20, listener.close)
    closer.start()
    yield f"redis://127.0.0.1:{port}/0"
    closer.cancel()
    listener.close()


def test_hung_cache_times_out(silent_server: str) -> None:
    hung = {"default": {**settings.CACHES["default"], "LOCATION": silent_server}}
    memo: dict = {}

    with override_settings(CACHES=hung):
        started = time.monotonic()
        value = versions.memoised(memo, "value", "test:hung", lambda: 7)
        again = versions.memoised(memo, "value", "test:hung", lambda: 8)
        elapsed = time.monotonic() - started

    assert value == 7
    assert again == 8
    # One socket timeout of a second (redis-py's default is 5 s), then reads
    # skip the cache.
    assert elapsed < 3


def test_bump_during_outage_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    other_process: dict = {}
    versions.memoised(other_process, "rate", "test:lost", lambda: "old")

    with override_settings(CACHES=UNREACHABLE_CACHES):
        versions.bump_version("test:lost")
    monkeypatch.setattr(versions, "reads_skipped_until", 0.0)
    # This process's next cache read, in any request, replaces the token.
    versions.shared_get("test:other")
    value = versions.memoised(other_process, "rate", "test:lost", lambda: "new")

    assert value == "new"
    assert versions.failed_bumps == set()


def test_definitions_skip_hung_cache(silent_server: str) -> None:
    hung = {"default": {**settings.CACHES["default"], "LOCATION": silent_server}}

    with override_settings(CACHES=hung):
        started = time.monotonic()
        for _round in range(3):
            workflow_registry.get_definition(PurchaseSlip)
            custom_registry.get_definitions(Member)
        elapsed = time.monotonic() - started

    # One socket timeout of a second, then reads and fills skip the cache.
    assert elapsed < 3
