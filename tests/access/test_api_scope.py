"""API paths of a regional office user: lists, details, actions and writes."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from lq_crm.doctype.member.models import Member
from lq_crm.doctype.store.models import Store
from tests.access.conftest import BOTH_WAYS, World

pytestmark = pytest.mark.django_db

# (endpoint, the CityRecords attribute it serves)
ENDPOINTS = [
    ("/api/members/", "member"),
    ("/api/household-persons/", "person"),
    ("/api/cards/", "card"),
    ("/api/slips/", "slip"),
    ("/api/points-ledger/", "ledger_entry"),
    ("/api/tier-changes/", "tier_change"),
    ("/api/stores/", "store"),
    ("/api/events/", "event"),
    ("/api/event-registrations/", "registration"),
    ("/api/notifications/", "notification"),
]


def api_client(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def listed_ids(client: APIClient, endpoint: str) -> set[int]:
    response = client.get(endpoint, {"page_size": 500})
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize(("own", "other"), BOTH_WAYS)
@pytest.mark.parametrize(("endpoint", "attribute"), ENDPOINTS)
def test_list_shows_own_city_only(
    world: World,
    offices: dict[str, User],
    own: str,
    other: str,
    endpoint: str,
    attribute: str,
) -> None:
    ids = listed_ids(api_client(offices[own]), endpoint)

    assert getattr(world.of(own), attribute).pk in ids
    assert getattr(world.of(other), attribute).pk not in ids


@pytest.mark.parametrize(("own", "other"), BOTH_WAYS)
@pytest.mark.parametrize(("endpoint", "attribute"), ENDPOINTS)
def test_detail_of_other_city_not_found(
    world: World,
    offices: dict[str, User],
    own: str,
    other: str,
    endpoint: str,
    attribute: str,
) -> None:
    client = api_client(offices[own])

    own_response = client.get(f"{endpoint}{getattr(world.of(own), attribute).pk}/")
    other_response = client.get(f"{endpoint}{getattr(world.of(other), attribute).pk}/")

    assert own_response.status_code == 200
    assert other_response.status_code == 404


def test_head_office_lists_every_city(world: World, head_office_admin: User) -> None:
    ids = listed_ids(api_client(head_office_admin), "/api/members/")

    assert {world.jinan.member.pk, world.qingdao.member.pk} <= ids


@pytest.mark.parametrize(("own", "other"), BOTH_WAYS)
def test_shared_rows_listed_for_every_office(
    world: World, offices: dict[str, User], own: str, other: str
) -> None:
    client = api_client(offices[own])

    assert world.stock_card.pk in listed_ids(client, "/api/cards/")
    assert world.province_event.pk in listed_ids(client, "/api/events/")


@pytest.mark.parametrize(("own", "other"), BOTH_WAYS)
def test_card_action_on_other_city_not_found(
    world: World, offices: dict[str, User], own: str, other: str
) -> None:
    card = world.of(other).card
    response = api_client(offices[own]).post(
        f"/api/cards/{card.pk}/transition/", {"action": "block"}
    )

    assert response.status_code == 404
    card.refresh_from_db()
    assert card.status != "blocked"


@pytest.mark.parametrize(("own", "other"), BOTH_WAYS)
def test_create_member_in_other_city_rejected(
    world: World, offices: dict[str, User], own: str, other: str
) -> None:
    client = api_client(offices[own])
    payload = {"name": "接口会员", "phone": "13912341234"}

    rejected = client.post(
        "/api/members/", {**payload, "city": world.of(other).city.pk}, format="json"
    )
    accepted = client.post(
        "/api/members/", {**payload, "city": world.of(own).city.pk}, format="json"
    )

    assert rejected.status_code == 400
    assert "city" in rejected.json()
    assert accepted.status_code == 201
    assert Member.objects.filter(name="接口会员").count() == 1


@pytest.mark.parametrize(("own", "other"), BOTH_WAYS)
def test_move_member_to_other_city_rejected(
    world: World, offices: dict[str, User], own: str, other: str
) -> None:
    member = world.of(own).member

    response = api_client(offices[own]).patch(
        f"/api/members/{member.pk}/", {"city": world.of(other).city.pk}, format="json"
    )

    assert response.status_code == 400
    member.refresh_from_db()
    assert member.city == world.of(own).city


@pytest.mark.parametrize(("own", "other"), BOTH_WAYS)
def test_store_in_other_city_rejected(
    world: World, offices: dict[str, User], own: str, other: str
) -> None:
    response = api_client(offices[own]).post(
        "/api/stores/",
        {"code": "NEW-1", "name": "新门店", "city": world.of(other).city.pk},
        format="json",
    )

    assert response.status_code == 400
    assert not Store.objects.filter(code="NEW-1").exists()


@pytest.mark.parametrize(("own", "other"), BOTH_WAYS)
def test_slip_in_other_city_store_rejected(
    world: World, offices: dict[str, User], own: str, other: str
) -> None:
    response = api_client(offices[own]).post(
        "/api/slips/",
        {
            "card_number": world.of(own).card.card_number,
            "store": world.of(other).store.code,
            "receipt_number": "API-X1",
            "lines": [{"category": "health", "amount": "50.00"}],
        },
        format="json",
    )

    assert response.status_code == 400
    assert "store" in response.json()


@pytest.mark.parametrize(("own", "other"), BOTH_WAYS)
def test_slip_other_city_card_not_found(
    world: World, offices: dict[str, User], own: str, other: str
) -> None:
    card = world.of(other).card
    slips_before = card.slips.count()
    response = api_client(offices[own]).post(
        "/api/slips/",
        {
            "card_number": card.card_number,
            "store": world.of(own).store.code,
            "receipt_number": "API-X2",
            "lines": [{"category": "health", "amount": "50.00"}],
        },
        format="json",
    )

    assert response.status_code == 400
    assert card.card_number in response.json()["detail"]
    assert card.member.name not in response.json()["detail"]
    assert card.slips.count() == slips_before


@pytest.mark.parametrize(("own", "other"), BOTH_WAYS)
def test_person_for_other_city_household_rejected(
    world: World, offices: dict[str, User], own: str, other: str
) -> None:
    response = api_client(offices[own]).post(
        "/api/household-persons/",
        {"member": world.of(other).member.pk, "name": "外人"},
        format="json",
    )

    assert response.status_code == 400
    assert "member" in response.json()


@pytest.mark.parametrize(("own", "other"), BOTH_WAYS)
def test_registration_for_other_city_event_rejected(
    world: World, offices: dict[str, User], own: str, other: str
) -> None:
    response = api_client(offices[own]).post(
        "/api/event-registrations/",
        {
            "event": world.of(other).event.pk,
            "card_number": world.of(own).card.card_number,
            "persons": [{"name": "同行人"}],
        },
        format="json",
    )

    assert response.status_code == 400
    assert str(world.of(other).event.pk) in response.json()["detail"]
    assert (
        not world.of(other)
        .event.registrations.filter(member=world.of(own).member)
        .exists()
    )
