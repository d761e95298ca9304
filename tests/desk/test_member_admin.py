"""Member desk: search, phone normalisation on save, city scope."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from lq_crm.doctype.member.models import HouseholdPerson, Member
from lq_crm.doctype.region.models import Region
from tests.factories import (
    PASSWORD,
    CardFactory,
    HouseholdPersonFactory,
    MemberFactory,
    card_number_for,
)

CHANGELIST = reverse("admin:member_member_changelist")


def search(client: Client, term: str) -> list[int]:
    response = client.get(CHANGELIST, {"q": term})
    assert response.status_code == 200
    return [member.pk for member in response.context["cl"].result_list]


@pytest.fixture
def households(db: None) -> tuple[Member, Member]:
    wang = MemberFactory(name="王秀英", phone="+8613912345678")
    li = MemberFactory(name="李建国", phone="+8613800001111")
    CardFactory(member=wang, serial=1, card_number=card_number_for(1))
    CardFactory(member=li, serial=2, card_number=card_number_for(2))
    return wang, li


def test_search_by_card_number(admin_client: Client, households: tuple) -> None:
    wang, _li = households

    assert search(admin_client, card_number_for(1)) == [wang.pk]


@pytest.mark.parametrize(
    "term",
    [
        "13912345678",
        "+86 139 1234 5678",
        "0086-139-1234-5678",
        "１３９１２３４５６７８",
    ],
)
def test_search_by_phone(admin_client: Client, households: tuple, term: str) -> None:
    wang, _li = households

    assert search(admin_client, term) == [wang.pk]


def test_search_by_household_person_phone(
    admin_client: Client, households: tuple
) -> None:
    _wang, li = households
    HouseholdPersonFactory(member=li, name="李娜", phone="+8615000002222")

    assert search(admin_client, "150 0000 2222") == [li.pk]


def test_search_by_name(admin_client: Client, households: tuple) -> None:
    _wang, li = households

    assert search(admin_client, "建国") == [li.pk]


def test_search_by_member_number(admin_client: Client, households: tuple) -> None:
    wang, _li = households

    assert search(admin_client, wang.number) == [wang.pk]


def test_list_shows_points_balance(admin_client: Client, households: tuple) -> None:
    from tests.factories import submitted_slip

    wang, _li = households
    submitted_slip(wang.cards.get(), "123.45")

    response = admin_client.get(CHANGELIST)
    row = next(m for m in response.context["cl"].result_list if m.pk == wang.pk)

    assert row.points_balance == 123
    assert "+86139****5678" in response.content.decode()


def member_form_data(jinan: Region, phone: str) -> dict[str, str]:
    return {
        "name": "张伟",
        "gender": "male",
        "phone": phone,
        "city": str(jinan.pk),
        "signup_activity": "store",
        "joined_on": "2026-03-01",
        "persons-TOTAL_FORMS": "1",
        "persons-INITIAL_FORMS": "0",
        "persons-MIN_NUM_FORMS": "0",
        "persons-MAX_NUM_FORMS": "1000",
        "persons-0-name": "张丽",
        "persons-0-relation": "spouse",
        "persons-0-gender": "female",
        "persons-0-phone": "0086 150-0000-3333",
    }


def test_add_member_normalises_phones(admin_client: Client, jinan: Region) -> None:
    response = admin_client.post(
        reverse("admin:member_member_add"),
        member_form_data(jinan, "+86 139-8765-4321"),
    )

    assert response.status_code == 302
    member = Member.objects.get(name="张伟")
    assert member.phone == "+8613987654321"
    assert HouseholdPerson.objects.get(member=member).phone == "+8615000003333"
    assert member.owner is not None


def test_add_member_rejects_invalid_phone(admin_client: Client, jinan: Region) -> None:
    response = admin_client.post(
        reverse("admin:member_member_add"), member_form_data(jinan, "139123")
    )

    assert response.status_code == 200
    assert not Member.objects.filter(name="张伟").exists()
    assert "139123" in str(response.context["adminform"].form.errors["phone"])


def test_qualifying_spend_is_read_only(admin_client: Client, jinan: Region) -> None:
    data = member_form_data(jinan, "13987654321") | {"qualifying_spend": "9999"}

    admin_client.post(reverse("admin:member_member_add"), data)

    assert Member.objects.get(name="张伟").qualifying_spend == 0


def client_for(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.mark.parametrize(
    ("clerk_fixture", "visible_city"),
    [("jinan_clerk", "济南市"), ("qingdao_clerk", "青岛市")],
)
def test_clerk_sees_own_city_only(
    request: pytest.FixtureRequest,
    jinan: Region,
    qingdao: Region,
    clerk_fixture: str,
    visible_city: str,
) -> None:
    jinan_member = MemberFactory(city=jinan)
    qingdao_member = MemberFactory(city=qingdao)
    client = Client()
    client.force_login(request.getfixturevalue(clerk_fixture))

    shown = search(client, "")

    expected = jinan_member if visible_city == "济南市" else qingdao_member
    other = qingdao_member if visible_city == "济南市" else jinan_member
    assert shown == [expected.pk]
    response = client.get(reverse("admin:member_member_change", args=[other.pk]))
    assert response.status_code == 302
