"""Verified phone window, session lifetime and the phone-change code limit."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from lq_crm.portal.member.config import portal_limits
from lq_crm.portal.member.session import (
    MEMBER_KEY,
    SIGNED_IN_AT_KEY,
    VERIFIED_AT_KEY,
    VERIFIED_HOUSEHOLDS_KEY,
    VERIFIED_PHONE_KEY,
)
from tests.factories import HouseholdPersonFactory, MemberFactory

from .test_member_support import last_code, request_code, sign_in

pytestmark = pytest.mark.django_db

PHONE = "+8613822240001"
OTHER_PHONE = "+8613822240002"
CODE_URL = reverse("member_portal:sign-in-code")
CHOOSE_URL = reverse("member_portal:choose-household")
SIGN_IN_URL = reverse("member_portal:sign-in")
HOME_URL = reverse("member_portal:home")
VERIFIED_KEYS = (VERIFIED_PHONE_KEY, VERIFIED_AT_KEY, VERIFIED_HOUSEHOLDS_KEY)


def verify_shared_phone(client: Client) -> None:
    request_code(client, PHONE)
    response = client.post(CODE_URL, {"code": last_code(PHONE)})
    assert response["Location"] == CHOOSE_URL


def test_expired_sign_in_cannot_choose_again(client: Client) -> None:
    member = MemberFactory(phone=PHONE)
    sign_in(client, PHONE)
    session = client.session
    session[SIGNED_IN_AT_KEY] -= (portal_limits().session_hours + 1) * 3600
    session.save()

    response = client.post(CHOOSE_URL, {"member": member.pk})

    assert response["Location"] == SIGN_IN_URL
    assert MEMBER_KEY not in client.session
    for key in VERIFIED_KEYS:
        assert key not in client.session
    assert client.get(HOME_URL).status_code == 302


def test_later_holder_of_phone_not_choosable(client: Client) -> None:
    first = MemberFactory(phone=PHONE)
    HouseholdPersonFactory(phone=PHONE)
    verify_shared_phone(client)
    first.phone = "+8613822240099"
    first.save()
    newcomer = MemberFactory(phone=PHONE)

    page = client.get(CHOOSE_URL).content.decode()
    response = client.post(CHOOSE_URL, {"member": newcomer.pk})

    assert newcomer.number not in page
    assert first.number not in page
    assert response.status_code == 200
    assert MEMBER_KEY not in client.session


def test_choice_after_code_lifetime_rejected(client: Client) -> None:
    first = MemberFactory(phone=PHONE)
    HouseholdPersonFactory(phone=PHONE)
    verify_shared_phone(client)
    session = client.session
    session[VERIFIED_AT_KEY] -= portal_limits().code_ttl_seconds + 1
    session.save()

    response = client.post(CHOOSE_URL, {"member": first.pk})

    assert response["Location"] == SIGN_IN_URL
    assert MEMBER_KEY not in client.session
    for key in VERIFIED_KEYS:
        assert key not in client.session
    page = client.get(SIGN_IN_URL).content.decode()
    assert "The time to choose a household has run out" in page


def test_switch_link_hidden_after_window(client: Client) -> None:
    MemberFactory(phone=PHONE)
    second = HouseholdPersonFactory(phone=PHONE).member
    verify_shared_phone(client)
    client.post(CHOOSE_URL, {"member": second.pk})
    assert "Switch household" in client.get(HOME_URL).content.decode()

    session = client.session
    session[VERIFIED_AT_KEY] -= portal_limits().code_ttl_seconds + 1
    session.save()

    assert "Switch household" not in client.get(HOME_URL).content.decode()
    assert client.session[MEMBER_KEY] == second.pk


def test_session_expires_with_sign_in(client: Client) -> None:
    MemberFactory(phone=PHONE)
    sign_in(client, PHONE)
    limit = portal_limits().session_hours * 3600

    age = client.session.get_expiry_age()

    assert age <= limit
    assert age > limit - 60

    client.post(reverse("member_portal:sign-out"))
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE


def test_desk_session_keeps_lifetime(client: Client, head_office_admin: User) -> None:
    MemberFactory(phone=PHONE)
    client.force_login(head_office_admin)

    sign_in(client, PHONE)

    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE
    assert client.get("/desk/").status_code == 200


def test_phone_change_codes_counted_apart(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PORTAL_CODE_PHONE_LIMIT", "2")
    MemberFactory(phone=PHONE)
    MemberFactory(phone=OTHER_PHONE)
    sign_in(client, PHONE)
    change_url = reverse("member_portal:change-phone")
    responses = []
    for _request in range(3):
        cache.delete(f"portal-hold:change-code-phone:{OTHER_PHONE}")
        responses.append(client.post(change_url, {"phone": OTHER_PHONE}))

    victim = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = victim.post(SIGN_IN_URL, {"phone": OTHER_PHONE})

    assert responses[0].status_code == 302
    assert responses[1].status_code == 302
    assert responses[2].status_code == 200
    assert "Too many codes were requested" in responses[2].content.decode()
    assert response.status_code == 302
    assert response["Location"] == CODE_URL
