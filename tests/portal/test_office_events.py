"""Event registration and check-in by card number in the office portal."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from lq_crm.doctype.card.models import Card
from lq_crm.doctype.event.allocation import PersonInput, register
from lq_crm.doctype.event.models import Event, Registration
from lq_crm.doctype.region.models import Region
from tests.conftest import make_user
from tests.events.builders import make_event
from tests.factories import (
    CardFactory,
    HouseholdPersonFactory,
    StoreFactory,
    submitted_slip,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def jinan_office(jinan: Region) -> User:
    return make_user("jinan-office", "regional_office", [jinan])


@pytest.fixture
def qingdao_office(qingdao: Region) -> User:
    return make_user("qingdao-office", "regional_office", [qingdao])


@pytest.fixture
def jinan_card(jinan: Region) -> Card:
    return CardFactory(serial=50_000_001, member__city=jinan, member__name="王建国")


@pytest.fixture
def qingdao_card(qingdao: Region) -> Card:
    return CardFactory(serial=50_000_002, member__city=qingdao, member__name="李秀英")


def client_for(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def registration_post(event: Event, card: Card, **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "event": event.pk,
        "card_number": card.card_number,
        "persons": "",
        "departure": "",
    }
    data.update(fields)
    return data


# Registering ------------------------------------------------------------------


def test_register_confirms_household(jinan_clerk: User, jinan_card: Card) -> None:
    event = make_event(title="济南健康讲座")

    response = client_for(jinan_clerk).post(
        reverse("office_portal:register"), registration_post(event, jinan_card)
    )

    registration = Registration.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "office_portal:registration", args=[registration.pk]
    )
    assert registration.status == Registration.Status.CONFIRMED
    assert registration.member == jinan_card.member
    assert registration.seats == 1
    assert registration.persons.get().name == "王建国"


def test_register_links_household_persons(jinan_clerk: User, jinan_card: Card) -> None:
    spouse = HouseholdPersonFactory(member=jinan_card.member, name="张丽")
    event = make_event()

    client_for(jinan_clerk).post(
        reverse("office_portal:register"),
        registration_post(event, jinan_card, persons="王建国\n张丽\n"),
    )

    persons = list(Registration.objects.get().persons.order_by("pk"))
    assert [person.name for person in persons] == ["王建国", "张丽"]
    assert persons[1].person == spouse
    assert persons[0].person is None


def test_ineligible_names_rule_and_amount(
    jinan_clerk: User, jinan: Region, jinan_card: Card
) -> None:
    submitted_slip(jinan_card, "200.00", store=StoreFactory(city=jinan))
    event = make_event(min_spend_new=Decimal("500.00"))

    response = client_for(jinan_clerk).post(
        reverse("office_portal:register"), registration_post(event, jinan_card)
    )

    message = response.context["eligibility_error"]
    assert response.status_code == 200
    assert "¥300.00 more spend" in message
    assert "new household: ¥500.00 minimum spend" in message
    assert message in response.content.decode()
    assert not Registration.objects.exists()


def test_ineligible_names_missing_tier(jinan_clerk: User, jinan_card: Card) -> None:
    from lq_crm.doctype.tier.models import Tier

    top = Tier.objects.order_by("-threshold").first()
    event = make_event(min_tier=top)

    response = client_for(jinan_clerk).post(
        reverse("office_portal:register"), registration_post(event, jinan_card)
    )

    assert top is not None
    assert (
        f"Tier {top.name} or higher is needed" in response.context["eligibility_error"]
    )
    assert not Registration.objects.exists()


def test_double_registration_is_rejected(jinan_clerk: User, jinan_card: Card) -> None:
    event = make_event()
    client = client_for(jinan_clerk)
    data = registration_post(event, jinan_card)

    client.post(reverse("office_portal:register"), data)
    second = client.post(reverse("office_portal:register"), data)

    assert second.status_code == 200
    assert "already registered" in str(second.context["form"].non_field_errors())
    assert Registration.objects.count() == 1


def test_other_city_card_cannot_register(jinan_clerk: User, qingdao_card: Card) -> None:
    event = make_event()

    response = client_for(jinan_clerk).post(
        reverse("office_portal:register"), registration_post(event, qingdao_card)
    )

    assert response.status_code == 200
    assert "was not found" in str(response.context["form"].errors["card_number"])
    assert not Registration.objects.exists()


def test_other_city_event_is_not_offered(
    jinan_clerk: User, qingdao_clerk: User, jinan: Region, qingdao: Region
) -> None:
    jinan_event = make_event(title="济南家庭聚会", city=jinan)
    qingdao_event = make_event(title="青岛家庭聚会", city=qingdao)
    for user, own, other in [
        (jinan_clerk, jinan_event, qingdao_event),
        (qingdao_clerk, qingdao_event, jinan_event),
    ]:
        response = client_for(user).get(reverse("office_portal:register"))

        events = list(response.context["form"].fields["event"].queryset)
        assert events == [own], user.username
        assert other.title not in response.content.decode()


def test_other_city_event_cannot_be_posted(
    jinan_clerk: User, qingdao: Region, jinan_card: Card
) -> None:
    qingdao_event = make_event(city=qingdao)

    response = client_for(jinan_clerk).post(
        reverse("office_portal:register"), registration_post(qingdao_event, jinan_card)
    )

    assert response.context["form"].errors["event"]
    assert not Registration.objects.exists()


def test_event_for_other_cities_is_not_offered(
    jinan_clerk: User, qingdao: Region
) -> None:
    event = make_event(title="青岛专场")
    event.allowed_cities.set([qingdao])

    response = client_for(jinan_clerk).get(reverse("office_portal:register"))

    assert list(response.context["form"].fields["event"].queryset) == []


# Checking in ------------------------------------------------------------------


def test_check_in_marks_attended(jinan_office: User, jinan_card: Card) -> None:
    event = make_event()
    registration = register(event, jinan_card, [PersonInput(name="王建国")])

    response = client_for(jinan_office).post(
        reverse("office_portal:check-in-event", args=[event.pk]),
        {"card_number": jinan_card.card_number},
    )

    registration.refresh_from_db()
    assert response.status_code == 302
    assert registration.status == Registration.Status.ATTENDED
    assert registration.checked_in_at is not None


def test_check_in_twice_is_rejected(jinan_office: User, jinan_card: Card) -> None:
    event = make_event()
    register(event, jinan_card, [PersonInput(name="王建国")])
    client = client_for(jinan_office)
    url = reverse("office_portal:check-in-event", args=[event.pk])

    client.post(url, {"card_number": jinan_card.card_number})
    second = client.post(url, {"card_number": jinan_card.card_number})

    assert second.status_code == 200
    assert "Attended" in str(second.context["form"].errors["card_number"])


def test_check_in_of_other_city_card_is_rejected(
    jinan_office: User, qingdao_card: Card
) -> None:
    event = make_event()
    registration = register(event, qingdao_card, [PersonInput(name="李秀英")])

    response = client_for(jinan_office).post(
        reverse("office_portal:check-in-event", args=[event.pk]),
        {"card_number": qingdao_card.card_number},
    )

    registration.refresh_from_db()
    assert response.status_code == 200
    assert "was not found" in str(response.context["form"].errors["card_number"])
    assert registration.status == Registration.Status.CONFIRMED


def test_other_city_check_in_is_404(
    jinan_office: User, qingdao_office: User, jinan: Region, qingdao: Region
) -> None:
    jinan_event = make_event(city=jinan)
    qingdao_event = make_event(city=qingdao)
    for user, own, other in [
        (jinan_office, jinan_event, qingdao_event),
        (qingdao_office, qingdao_event, jinan_event),
    ]:
        client = client_for(user)
        own_page = client.get(reverse("office_portal:check-in-event", args=[own.pk]))
        other_page = client.get(
            reverse("office_portal:check-in-event", args=[other.pk])
        )
        other_post = client.post(
            reverse("office_portal:check-in-event", args=[other.pk]),
            {"card_number": "1"},
        )

        assert own_page.status_code == 200, user.username
        assert other_page.status_code == 404, user.username
        assert other_post.status_code == 404, user.username


def test_check_in_list_shows_own_events(
    jinan_office: User, jinan: Region, qingdao: Region
) -> None:
    make_event(title="济南讲座", city=jinan)
    make_event(title="青岛讲座", city=qingdao)

    response = client_for(jinan_office).get(reverse("office_portal:check-in"))

    titles = [event.title for event in response.context["events"]]
    assert titles == ["济南讲座"]
