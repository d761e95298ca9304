"""Phone, address and birth year are masked without access.view_personal_data."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import Permission, User
from openpyxl import load_workbook
from rest_framework.test import APIClient

from lq_crm.core.masking import may_view_personal_data
from lq_crm.doctype.member.models import Member
from tests.access.conftest import World, client_for

pytestmark = pytest.mark.django_db

JINAN_PHONE = "+8613900000101"
JINAN_MASKED = "+86139****0101"


@pytest.fixture
def trusted_jinan_office(jinan_office: User) -> User:
    """The Jinan office user granted personal-data access directly."""
    jinan_office.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="access", codename="view_personal_data"
        )
    )
    return User.objects.get(pk=jinan_office.pk)


def test_roles_hold_personal_data_access(jinan_clerk: User, jinan_office: User) -> None:
    from tests.conftest import make_user

    assert may_view_personal_data(make_user("sa", "system_admin"))
    assert may_view_personal_data(make_user("ho", "head_office"))
    assert may_view_personal_data(make_user("sc", "service_centre"))
    assert not may_view_personal_data(jinan_clerk)
    assert not may_view_personal_data(jinan_office)


def test_change_form_masks_without_permission(world: World, jinan_office: User) -> None:
    member = world.jinan.member

    response = client_for(jinan_office).get(f"/desk/member/member/{member.pk}/change/")

    html = response.content.decode()
    assert 'name="phone"' not in html
    assert 'name="address"' not in html
    assert 'name="birth_year"' not in html
    assert JINAN_PHONE not in html
    assert JINAN_MASKED in html
    assert member.address not in html
    assert "1961" not in html


def test_change_form_shows_with_permission(
    world: World, trusted_jinan_office: User
) -> None:
    member = world.jinan.member

    response = client_for(trusted_jinan_office).get(
        f"/desk/member/member/{member.pk}/change/"
    )

    form = response.context["adminform"].form
    assert form["phone"].value() == JINAN_PHONE
    assert form["address"].value() == member.address
    assert form["birth_year"].value() == 1961


def test_inline_person_masked_without_permission(
    world: World, jinan_office: User
) -> None:
    member = world.jinan.member

    response = client_for(jinan_office).get(f"/desk/member/member/{member.pk}/change/")

    html = response.content.decode()
    assert world.jinan.person.phone not in html
    assert "1990" not in html


def test_masked_user_cannot_overwrite_phone(world: World, jinan_office: User) -> None:
    member = world.jinan.member
    client = client_for(jinan_office)
    form = (
        client.get(f"/desk/member/member/{member.pk}/change/").context["adminform"].form
    )
    data = {
        name: value
        for name, value in form.initial.items()
        if name in form.fields and value is not None
    }
    data.update(
        {
            "phone": "13800001111",
            "persons-TOTAL_FORMS": 0,
            "persons-INITIAL_FORMS": 0,
        }
    )

    client.post(f"/desk/member/member/{member.pk}/change/", data)

    member.refresh_from_db()
    assert member.phone == JINAN_PHONE


def api_member(user: User, member: Member) -> dict:
    client = APIClient()
    client.force_authenticate(user)
    response = client.get(f"/api/members/{member.pk}/")
    assert response.status_code == 200
    return response.json()


def test_api_masks_without_permission(world: World, jinan_office: User) -> None:
    data = api_member(jinan_office, world.jinan.member)

    assert data["phone"] == JINAN_MASKED
    assert data["address"] == world.jinan.district.name
    assert data["birth_year"] is None


def test_api_shows_with_permission(world: World, trusted_jinan_office: User) -> None:
    data = api_member(trusted_jinan_office, world.jinan.member)

    assert data["phone"] == JINAN_PHONE
    assert data["address"] == world.jinan.member.address
    assert data["birth_year"] == 1961


def test_api_person_masked_without_permission(world: World, jinan_office: User) -> None:
    client = APIClient()
    client.force_authenticate(jinan_office)

    data = client.get(f"/api/household-persons/{world.jinan.person.pk}/").json()

    assert data["phone"] != world.jinan.person.phone
    assert data["phone"].count("*") == 4
    assert data["birth_year"] is None


def test_api_rejects_personal_change_without_permission(
    world: World, jinan_office: User
) -> None:
    member = world.jinan.member
    client = APIClient()
    client.force_authenticate(jinan_office)

    response = client.patch(
        f"/api/members/{member.pk}/", {"phone": "13800001111"}, format="json"
    )

    assert response.status_code == 400
    assert "phone" in response.json()
    member.refresh_from_db()
    assert member.phone == JINAN_PHONE


def test_api_allows_personal_change_with_permission(
    world: World, trusted_jinan_office: User
) -> None:
    member = world.jinan.member
    client = APIClient()
    client.force_authenticate(trusted_jinan_office)

    response = client.patch(
        f"/api/members/{member.pk}/", {"phone": "13800001111"}, format="json"
    )

    assert response.status_code == 200
    member.refresh_from_db()
    assert member.phone == "+8613800001111"


def roster_phone(user: User, world: World) -> str:
    response = client_for(user).post(
        "/desk/event/registration/",
        {"action": "export_roster", "_selected_action": [world.jinan.registration.pk]},
    )
    workbook = load_workbook(io.BytesIO(response.content))
    rows = list(workbook.active.iter_rows(min_row=2, values_only=True))
    return rows[0][6]


def test_roster_masks_without_permission(world: World, jinan_office: User) -> None:
    assert roster_phone(jinan_office, world) == JINAN_MASKED


def test_roster_shows_with_permission(world: World, trusted_jinan_office: User) -> None:
    assert roster_phone(trusted_jinan_office, world) == JINAN_PHONE


def test_notification_recipient_masked_without_permission(
    world: World, jinan_office: User
) -> None:
    url = f"/desk/notify/notification/{world.jinan.notification.pk}/change/"

    masked = client_for(jinan_office).get(url).content.decode()

    assert JINAN_PHONE not in masked
    assert JINAN_MASKED in masked


def test_notification_recipient_shown_with_permission(
    world: World, trusted_jinan_office: User
) -> None:
    url = f"/desk/notify/notification/{world.jinan.notification.pk}/change/"

    shown = client_for(trusted_jinan_office).get(url).content.decode()

    assert JINAN_PHONE in shown
