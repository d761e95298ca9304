"""REST endpoints: open events, registering by card number, cancel, check-in."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from lq_crm.doctype.event.models import Event, Registration
from lq_crm.doctype.member.models import HouseholdPerson
from lq_crm.doctype.region.models import Region
from tests.conftest import make_user

from .builders import make_event, make_household, register_household

pytestmark = pytest.mark.django_db

Status = Registration.Status


def token_client(user: User) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    token, _created = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def body(event: Event, card_number: str, **extra: object) -> dict:
    return {
        "event": event.pk,
        "card_number": card_number,
        "persons": [{"name": "王建国"}, {"name": "张丽"}],
        **extra,
    }


def test_open_filter_lists_open_events(jinan_office: User) -> None:
    open_event = make_event()
    make_event(
        title="已结束", registration_closes_at=timezone.now() - timedelta(days=1)
    )
    make_event(title="草稿", status=Event.Status.DRAFT)

    response = token_client(jinan_office).get("/api/events/?open=true")

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [open_event.pk]


def test_events_hide_other_cities(
    jinan: Region, qingdao: Region, jinan_office: User
) -> None:
    province = make_event(title="全省")
    own = make_event(title="济南讲座", city=jinan)
    make_event(title="青岛讲座", city=qingdao)

    response = token_client(jinan_office).get("/api/events/")

    ids = {row["id"] for row in response.json()["results"]}
    assert ids == {province.pk, own.pk}


def test_create_registration_by_card(jinan: Region, jinan_office: User) -> None:
    event = make_event(capacity=5)
    member, card = make_household(jinan)
    person = HouseholdPerson.objects.create(member=member, name="王小明")

    response = token_client(jinan_office).post(
        "/api/event-registrations/",
        {
            "event": event.pk,
            "card_number": card.card_number,
            "persons": [{"name": "王建国"}, {"person": person.pk}],
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    data = response.json()
    assert data["number"].startswith("TRG-")
    assert data["status"] == "confirmed"
    assert data["seats"] == 2
    assert [p["name"] for p in data["persons"]] == ["王建国", "王小明"]


def test_too_few_seats_is_400_with_detail(jinan: Region, jinan_office: User) -> None:
    event = make_event(capacity=3)
    register_household(event, jinan, seats=2)
    _member, card = make_household(jinan)
    client = token_client(jinan_office)

    rejected = client.post(
        "/api/event-registrations/", body(event, card.card_number), format="json"
    )
    waitlisted = client.post(
        "/api/event-registrations/",
        body(event, card.card_number, waitlist_rest=True),
        format="json",
    )

    assert rejected.status_code == 400
    assert "Only 1 seats remain" in rejected.json()["detail"]
    assert waitlisted.status_code == 201
    assert waitlisted.json()["status"] == "waitlisted"


def test_ineligible_household_is_400(jinan: Region, jinan_office: User) -> None:
    from decimal import Decimal

    event = make_event(min_spend_new=Decimal("200.00"))
    _member, card = make_household(jinan)

    response = token_client(jinan_office).post(
        "/api/event-registrations/", body(event, card.card_number), format="json"
    )

    assert response.status_code == 400
    assert "¥200.00 more spend" in response.json()["detail"]


def test_other_city_card_looks_unknown(qingdao: Region, jinan_office: User) -> None:
    event = make_event()
    _member, card = make_household(qingdao)

    response = token_client(jinan_office).post(
        "/api/event-registrations/", body(event, card.card_number), format="json"
    )

    assert response.status_code == 400
    assert card.card_number in response.json()["detail"]
    assert Registration.objects.count() == 0


def test_other_city_registration_is_404(
    qingdao: Region, jinan_office: User, qingdao_office: User
) -> None:
    registration = register_household(make_event(), qingdao)
    jinan_client = token_client(jinan_office)

    listed = jinan_client.get("/api/event-registrations/")
    cancel = jinan_client.post(f"/api/event-registrations/{registration.pk}/cancel/")
    own = token_client(qingdao_office).get(
        f"/api/event-registrations/{registration.pk}/"
    )

    assert listed.json()["results"] == []
    assert cancel.status_code == 404
    assert own.status_code == 200


def test_cancel_promotes_waiting(jinan: Region, jinan_office: User) -> None:
    event = make_event(capacity=1)
    confirmed = register_household(event, jinan)
    waiting = register_household(event, jinan)

    response = token_client(jinan_office).post(
        f"/api/event-registrations/{confirmed.pk}/cancel/",
        {"reason": "家中有事"},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    waiting.refresh_from_db()
    assert waiting.status == Status.CONFIRMED


def test_cancel_needs_permission(jinan: Region, jinan_clerk: User) -> None:
    registration = register_household(make_event(), jinan)

    response = token_client(jinan_clerk).post(
        f"/api/event-registrations/{registration.pk}/cancel/"
    )

    assert response.status_code == 403


def test_check_in_by_card_on_event(jinan: Region, jinan_office: User) -> None:
    event = make_event()
    registration = register_household(event, jinan)

    response = token_client(jinan_office).post(
        f"/api/events/{event.pk}/check-in/",
        {"card_number": registration.card.card_number},
        format="json",
    )
    again = token_client(jinan_office).post(
        f"/api/events/{event.pk}/check-in/",
        {"card_number": registration.card.card_number},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "attended"
    assert again.status_code == 400
    assert registration.number in again.json()["detail"]


def test_registration_check_in_action(jinan: Region, jinan_office: User) -> None:
    registration = register_household(make_event(), jinan)

    response = token_client(jinan_office).post(
        f"/api/event-registrations/{registration.pk}/check-in/"
    )

    assert response.status_code == 200
    assert response.json()["status"] == "attended"


def test_reading_needs_view_permission(jinan: Region) -> None:
    member_user = make_user("member-user", "member", [jinan])
    make_event()

    response = token_client(member_user).get("/api/events/")

    assert response.status_code == 403
