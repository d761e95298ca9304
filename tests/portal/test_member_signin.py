"""Sign-in pages: code entry, shared phones, sessions apart from the desk."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from lq_crm.portal.member.session import MEMBER_KEY
from tests.factories import HouseholdPersonFactory, MemberFactory

from .test_member_support import code_messages, last_code, request_code, sign_in

pytestmark = pytest.mark.django_db

PHONE = "+8613822220001"
SIGN_IN_URL = reverse("member_portal:sign-in")
CODE_URL = reverse("member_portal:sign-in-code")
HOME_URL = reverse("member_portal:home")


def without_csrf(page: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)


def test_pages_need_sign_in(client: Client) -> None:
    response = client.get(reverse("member_portal:points"))

    assert response.status_code == 302
    assert response["Location"] == f"{SIGN_IN_URL}?next=%2Fportal%2Fpoints%2F"


def test_sign_in_with_code(client: Client) -> None:
    member = MemberFactory(phone=PHONE)

    sign_in(client, PHONE)

    assert client.session[MEMBER_KEY] == member.pk
    response = client.get(HOME_URL)
    assert response.status_code == 200
    assert member.name in response.content.decode()


def test_phone_typed_loosely_matches(client: Client) -> None:
    member = MemberFactory(phone=PHONE)

    response = client.post(SIGN_IN_URL, {"phone": "+86 138-2222-0001"})
    assert response.status_code == 302
    client.post(CODE_URL, {"code": last_code(PHONE)})

    assert client.session[MEMBER_KEY] == member.pk


def test_unknown_phone_same_response(client: Client) -> None:
    MemberFactory(phone=PHONE)
    other = Client()

    member_response = client.post(SIGN_IN_URL, {"phone": PHONE})
    stranger_response = other.post(SIGN_IN_URL, {"phone": "+8613822220099"})

    assert member_response.status_code == stranger_response.status_code == 302
    assert member_response["Location"] == stranger_response["Location"]
    member_page = without_csrf(client.get(CODE_URL).content.decode())
    stranger_page = without_csrf(other.get(CODE_URL).content.decode())
    assert member_page.replace("0001", "0099") == stranger_page


def test_unknown_phone_code_rejected_alike(client: Client) -> None:
    request_code(client, "+8613822220099")

    response = client.post(CODE_URL, {"code": "123456"})

    assert response.status_code == 200
    assert "wrong or no longer valid" in response.content.decode()
    assert MEMBER_KEY not in client.session


def test_wrong_code_shows_error(client: Client) -> None:
    MemberFactory(phone=PHONE)
    request_code(client, PHONE)
    wrong = f"{(int(last_code(PHONE)) + 1) % 1_000_000:06d}"

    response = client.post(CODE_URL, {"code": wrong})

    assert response.status_code == 200
    assert "wrong or no longer valid" in response.content.decode()
    assert MEMBER_KEY not in client.session


def test_malformed_code_rejected(client: Client) -> None:
    MemberFactory(phone=PHONE)
    request_code(client, PHONE)

    response = client.post(CODE_URL, {"code": "12ab"})

    assert response.status_code == 200
    assert "Enter the 6 digits" in response.content.decode()


def test_landline_rejected(client: Client) -> None:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post(SIGN_IN_URL, {"phone": "0531-86012345"})

    assert response.status_code == 200
    assert "not a mobile number" in response.content.decode()


def test_rate_limit_shown_on_page(client: Client) -> None:
    MemberFactory(phone=PHONE)
    request_code(client, PHONE)

    response = client.post(SIGN_IN_URL, {"phone": PHONE})

    assert response.status_code == 200
    assert "wait" in response.content.decode()
    assert len(code_messages(PHONE)) == 1


def test_used_code_cannot_sign_in_again(client: Client) -> None:
    MemberFactory(phone=PHONE)
    request_code(client, PHONE)
    code = last_code(PHONE)
    client.post(CODE_URL, {"code": code})
    other = Client()
    session = other.session
    session["member_portal_pending_phone"] = PHONE
    session.save()

    response = other.post(CODE_URL, {"code": code})

    assert response.status_code == 200
    assert MEMBER_KEY not in other.session


def test_shared_phone_lets_person_choose(client: Client) -> None:
    first = MemberFactory(phone=PHONE, name="张家")
    second = HouseholdPersonFactory(phone=PHONE).member
    request_code(client, PHONE)

    response = client.post(CODE_URL, {"code": last_code(PHONE)})

    assert response["Location"] == reverse("member_portal:choose-household")
    assert MEMBER_KEY not in client.session
    page = client.get(response["Location"]).content.decode()
    assert first.number in page
    assert second.number in page

    response = client.post(
        reverse("member_portal:choose-household"), {"member": second.pk}
    )
    assert response["Location"] == HOME_URL
    assert client.session[MEMBER_KEY] == second.pk
    assert "Switch household" in client.get(HOME_URL).content.decode()


def test_shared_phone_choice_limited(client: Client) -> None:
    MemberFactory(phone=PHONE)
    HouseholdPersonFactory(phone=PHONE)
    outsider = MemberFactory(phone="+8613822220077")
    request_code(client, PHONE)
    client.post(CODE_URL, {"code": last_code(PHONE)})

    response = client.post(
        reverse("member_portal:choose-household"), {"member": outsider.pk}
    )

    assert response.status_code == 200
    assert MEMBER_KEY not in client.session


def test_choose_needs_verified_phone(client: Client) -> None:
    member = MemberFactory(phone=PHONE)

    response = client.post(
        reverse("member_portal:choose-household"), {"member": member.pk}
    )

    assert response["Location"] == SIGN_IN_URL
    assert MEMBER_KEY not in client.session


def test_next_page_after_sign_in(client: Client) -> None:
    MemberFactory(phone=PHONE)
    client.get(SIGN_IN_URL, {"next": "/portal/points/"})
    request_code(client, PHONE)

    response = client.post(CODE_URL, {"code": last_code(PHONE)})

    assert response["Location"] == "/portal/points/"


def test_next_outside_portal_ignored(client: Client) -> None:
    MemberFactory(phone=PHONE)
    client.get(SIGN_IN_URL, {"next": "https://example.com/"})
    request_code(client, PHONE)

    response = client.post(CODE_URL, {"code": last_code(PHONE)})

    assert response["Location"] == HOME_URL


def test_portal_session_apart_from_desk(
    client: Client, head_office_admin: User
) -> None:
    MemberFactory(phone=PHONE)
    client.force_login(head_office_admin)

    assert client.get(HOME_URL).status_code == 302
    sign_in(client, PHONE)
    assert client.get("/desk/").status_code == 200

    client.post(reverse("member_portal:sign-out"))

    assert client.get(HOME_URL).status_code == 302
    assert client.get("/desk/").status_code == 200


def test_sign_in_expires(client: Client) -> None:
    MemberFactory(phone=PHONE)
    sign_in(client, PHONE)
    session = client.session
    session["member_portal_signed_in_at"] -= 13 * 3600
    session.save()

    response = client.get(HOME_URL)

    assert response.status_code == 302
    assert MEMBER_KEY not in client.session


def test_sign_out_needs_post(client: Client) -> None:
    MemberFactory(phone=PHONE)
    sign_in(client, PHONE)

    assert client.get(reverse("member_portal:sign-out")).status_code == 405
    assert client.session[MEMBER_KEY]
