"""A fake SMS gateway on 127.0.0.1 and builders for outbox rows."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count
from typing import Any

import pytest
from pytest_django.fixtures import Settings

from lq_crm.doctype.member.models import Member
from lq_crm.doctype.region.models import Region
from lq_crm.notify.models import Channel, Notification

MOBILE = "+8613912345678"
LANDLINE = "+8653188886666"
TOKEN = "test-gateway-token"

sequence = count(1)


@dataclass
class FakeGateway:
    """Records every request; replies with ``status`` after ``delay`` seconds."""

    url: str = ""
    status: int = 200
    delay: float = 0.0
    requests: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def make_handler(gateway: FakeGateway) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            body = json.loads(self.rfile.read(length))
            with gateway.lock:
                gateway.requests.append(
                    {"body": body, "authorization": self.headers["Authorization"]}
                )
            time.sleep(gateway.delay)
            self.send_response(gateway.status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"ok": true}')

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def gateway(settings: Settings) -> Iterator[FakeGateway]:
    """Start the fake gateway and point the HTTP backend at it."""
    fake = FakeGateway()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(fake))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}/send"

    settings.SMS_BACKEND = "lq_crm.notify.sms.HttpGatewayBackend"
    settings.SMS_GATEWAY_URL = fake.url
    settings.SMS_GATEWAY_TOKEN = TOKEN
    settings.SMS_GATEWAY_TIMEOUT = 5
    yield fake

    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def make_member(
    city: Region, *, phone: str = MOBILE, email: str = "", name: str = "王建国"
) -> Member:
    return Member.objects.create(name=name, city=city, phone=phone, email=email)


def make_notification(
    member: Member | None = None,
    *,
    channel: str = Channel.SMS,
    recipient: str = MOBILE,
    status: str = Notification.Status.PENDING,
) -> Notification:
    return Notification.objects.create(
        key=f"test:{next(sequence)}",
        member=member,
        channel=channel,
        recipient=recipient,
        subject="等级变更",
        body="【隆力奇健康家庭俱乐部】您好，您的会员等级已升级。",
        status=status,
    )
