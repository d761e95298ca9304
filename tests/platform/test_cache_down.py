"""With the shared cache unreachable, memos read the database and requests work."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import override_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from lq_crm.core import versions
from lq_crm.doctype.points.services import balance
from lq_crm.doctype.region.models import Region
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


def test_memo_reloads_while_unreachable(caplog: pytest.LogCaptureFixture) -> None:
    memo: dict = {}
    loads: list[int] = []

    def load() -> int:
        loads.append(1)
        return len(loads)

    with override_settings(CACHES=UNREACHABLE_CACHES):
        first = versions.memoised(memo, "value", "test:down", load)
        second = versions.memoised(memo, "value", "test:down", load)
        versions.bump_version("test:down")

    assert first == 1
    assert second == 2
    assert caplog.text.count("Shared cache unreachable") == 1


def test_memo_kept_once_reachable() -> None:
    memo: dict = {}
    loads: list[int] = []

    def load() -> int:
        loads.append(1)
        return len(loads)

    with override_settings(CACHES=UNREACHABLE_CACHES):
        versions.memoised(memo, "value", "test:back", load)
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
