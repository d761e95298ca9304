"""One-time codes: storage, expiry, single use, attempts and rate limits."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from lq_crm.config import ConfigError
from lq_crm.notify.models import Channel, MessageTemplate, Notification
from lq_crm.notify.sending import send_notification
from lq_crm.portal.member.codes import (
    CodeError,
    CodeRateLimited,
    hash_code,
    purge_codes,
    request_phone_change_code,
    request_sign_in_code,
    verify_code,
)
from lq_crm.portal.member.models import LoginCode
from tests.factories import HouseholdPersonFactory, MemberFactory

from .test_member_support import code_messages, last_code

pytestmark = pytest.mark.django_db

PHONE = "+8613811110001"
SIGN_IN = LoginCode.Purpose.SIGN_IN


def test_code_sent_to_household_phone() -> None:
    member = MemberFactory(phone=PHONE)

    login_code = request_sign_in_code(PHONE, "10.0.0.1")

    assert login_code is not None
    messages = code_messages(PHONE)
    assert len(messages) == 1
    assert messages[0].channel == Channel.SMS
    assert messages[0].status == Notification.Status.PENDING
    assert messages[0].member == member
    assert messages[0].template.code == "portal_login_code"
    assert "5分钟" in messages[0].body


def test_code_stored_only_hashed() -> None:
    MemberFactory(phone=PHONE)

    login_code = request_sign_in_code(PHONE, None)

    assert login_code is not None
    code = last_code(PHONE)
    stored = LoginCode.objects.get(pk=login_code.pk)
    assert code not in stored.code_hash
    assert stored.code_hash == hash_code(PHONE, SIGN_IN, code)
    assert len(stored.code_hash) == 64


def test_person_phone_gets_code() -> None:
    person = HouseholdPersonFactory(phone=PHONE)

    login_code = request_sign_in_code(PHONE, None)

    assert login_code is not None
    assert code_messages(PHONE)[0].member == person.member


def test_shared_phone_message_has_no_household() -> None:
    MemberFactory(phone=PHONE)
    HouseholdPersonFactory(phone=PHONE)

    request_sign_in_code(PHONE, None)

    assert code_messages(PHONE)[0].member is None


def test_unknown_phone_gets_nothing_silently() -> None:
    login_code = request_sign_in_code(PHONE, None)

    assert login_code is None
    assert code_messages(PHONE) == []
    assert not LoginCode.objects.exists()


def test_correct_code_accepted_once() -> None:
    MemberFactory(phone=PHONE)
    request_sign_in_code(PHONE, None)
    code = last_code(PHONE)

    used = verify_code(PHONE, SIGN_IN, code)

    assert used.used_at is not None
    with pytest.raises(CodeError):
        verify_code(PHONE, SIGN_IN, code)


def test_wrong_code_rejected() -> None:
    MemberFactory(phone=PHONE)
    request_sign_in_code(PHONE, None)
    code = last_code(PHONE)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    with pytest.raises(CodeError, match="wrong or no longer valid"):
        verify_code(PHONE, SIGN_IN, wrong)

    stored = LoginCode.objects.get()
    assert stored.attempts == 1
    assert stored.used_at is None


def test_code_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTAL_CODE_TTL_SECONDS", "120")
    MemberFactory(phone=PHONE)
    login_code = request_sign_in_code(PHONE, None)
    assert login_code is not None
    code = last_code(PHONE)

    stored = LoginCode.objects.get(pk=login_code.pk)
    assert stored.expires_at - stored.created == timedelta(seconds=120)
    assert "2分钟" in code_messages(PHONE)[0].body
    LoginCode.objects.filter(pk=login_code.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )

    with pytest.raises(CodeError):
        verify_code(PHONE, SIGN_IN, code)
    assert LoginCode.objects.get(pk=login_code.pk).used_at is None


def test_default_expiry_five_minutes() -> None:
    MemberFactory(phone=PHONE)

    login_code = request_sign_in_code(PHONE, None)

    assert login_code is not None
    assert login_code.expires_at - login_code.created == timedelta(minutes=5)


def test_attempt_limit_voids_code(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTAL_CODE_MAX_ATTEMPTS", "3")
    MemberFactory(phone=PHONE)
    request_sign_in_code(PHONE, None)
    code = last_code(PHONE)
    wrong = f"{(int(code) + 7) % 1_000_000:06d}"

    for _attempt in range(3):
        with pytest.raises(CodeError):
            verify_code(PHONE, SIGN_IN, wrong)

    with pytest.raises(CodeError):
        verify_code(PHONE, SIGN_IN, code)
    stored = LoginCode.objects.get()
    assert stored.attempts == 3
    assert stored.used_at is None


def test_last_attempt_may_succeed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTAL_CODE_MAX_ATTEMPTS", "3")
    MemberFactory(phone=PHONE)
    request_sign_in_code(PHONE, None)
    code = last_code(PHONE)
    wrong = f"{(int(code) + 7) % 1_000_000:06d}"

    for _attempt in range(2):
        with pytest.raises(CodeError):
            verify_code(PHONE, SIGN_IN, wrong)

    assert verify_code(PHONE, SIGN_IN, code).used_at is not None


def test_new_code_voids_earlier() -> None:
    MemberFactory(phone=PHONE)
    first = request_sign_in_code(PHONE, None)
    cache.delete(f"portal-hold:code-phone:{PHONE}")

    second = request_sign_in_code(PHONE, None)

    assert first is not None
    assert second is not None
    assert LoginCode.objects.get(pk=first.pk).expires_at <= timezone.now()
    assert verify_code(PHONE, SIGN_IN, last_code(PHONE)).pk == second.pk
    assert LoginCode.objects.filter(used_at__isnull=True).count() == 1


def test_code_bound_to_purpose() -> None:
    member = MemberFactory(phone="+8613811110002")
    request_phone_change_code(member, PHONE, None)
    code = last_code(PHONE)

    with pytest.raises(CodeError):
        verify_code(PHONE, SIGN_IN, code)

    other = MemberFactory(phone="+8613811110003")
    with pytest.raises(CodeError):
        verify_code(PHONE, LoginCode.Purpose.PHONE_CHANGE, code, member=other)
    assert (
        verify_code(PHONE, LoginCode.Purpose.PHONE_CHANGE, code, member=member).pk
        is not None
    )


def test_resend_within_interval_rejected() -> None:
    MemberFactory(phone=PHONE)
    request_sign_in_code(PHONE, None)

    with pytest.raises(CodeRateLimited) as raised:
        request_sign_in_code(PHONE, None)

    assert 1 <= raised.value.retry_after <= 60
    assert len(code_messages(PHONE)) == 1


def test_phone_limit_per_window(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTAL_CODE_PHONE_LIMIT", "2")
    MemberFactory(phone=PHONE)

    for _request in range(2):
        request_sign_in_code(PHONE, None)
        cache.delete(f"portal-hold:code-phone:{PHONE}")

    with pytest.raises(CodeRateLimited, match="Too many codes"):
        request_sign_in_code(PHONE, None)
    assert len(code_messages(PHONE)) == 2


def test_ip_limit_spans_phones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTAL_CODE_IP_LIMIT", "3")
    phones = [f"+861381111{index:04d}" for index in range(10, 14)]
    for phone in phones:
        MemberFactory(phone=phone)

    for phone in phones[:3]:
        request_sign_in_code(phone, "10.0.0.9")

    with pytest.raises(CodeRateLimited):
        request_sign_in_code(phones[3], "10.0.0.9")
    assert code_messages(phones[3]) == []
    assert request_sign_in_code(phones[3], "10.0.0.10") is not None


def test_unknown_phone_limited_alike() -> None:
    request_sign_in_code(PHONE, None)

    with pytest.raises(CodeRateLimited):
        request_sign_in_code(PHONE, None)


def test_phone_change_same_number_rejected() -> None:
    member = MemberFactory(phone=PHONE)

    with pytest.raises(CodeError, match="already"):
        request_phone_change_code(member, PHONE, None)


def test_missing_template_sends_nothing() -> None:
    MessageTemplate.objects.filter(code="portal_login_code").update(active=False)
    MemberFactory(phone=PHONE)

    login_code = request_sign_in_code(PHONE, None)

    assert login_code is not None
    assert code_messages(PHONE) == []


def test_purge_deletes_old_codes() -> None:
    MemberFactory(phone=PHONE)
    request_sign_in_code(PHONE, None)
    LoginCode.objects.update(created=timezone.now() - timedelta(days=2))

    assert purge_codes(timedelta(days=1)) == 1
    assert not LoginCode.objects.exists()


def test_purge_command_reports_count() -> None:
    MemberFactory(phone=PHONE)
    request_sign_in_code(PHONE, None)
    LoginCode.objects.update(created=timezone.now() - timedelta(days=3))
    output = StringIO()

    call_command("purge_login_codes", "--days", "2", stdout=output)

    assert "Deleted 1 login codes." in output.getvalue()
    with pytest.raises(CommandError, match="--days must be 0 or more"):
        call_command("purge_login_codes", "--days", "-1")


def test_zero_limit_setting_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTAL_CODE_TTL_SECONDS", "0")

    with pytest.raises(ConfigError, match="portal_code_ttl_seconds"):
        request_sign_in_code(PHONE, None)


def test_code_message_goes_through_gateway(caplog: pytest.LogCaptureFixture) -> None:
    MemberFactory(phone=PHONE)
    request_sign_in_code(PHONE, None)
    notification = code_messages(PHONE)[0]

    with caplog.at_level(logging.INFO, logger="lq_crm.notify.sms"):
        send_notification(notification.pk)

    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert last_code(PHONE) in caplog.text
    assert PHONE not in caplog.text


@pytest.mark.django_db(transaction=True)
def test_concurrent_use_succeeds_once() -> None:
    MemberFactory(phone=PHONE)
    request_sign_in_code(PHONE, None)
    code = last_code(PHONE)
    start = threading.Barrier(4)
    outcomes: list[str] = []

    def use_code() -> None:
        try:
            start.wait()
            verify_code(PHONE, SIGN_IN, code)
            outcomes.append("used")
        except CodeError:
            outcomes.append("rejected")
        finally:
            connection.close()

    threads = [threading.Thread(target=use_code) for _index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["rejected", "rejected", "rejected", "used"]
    assert LoginCode.objects.get().used_at is not None
