"""Every office portal page for a Jinan and a Qingdao clerk, and the city limit."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from lq_crm.doctype.card.models import Card
from lq_crm.doctype.event.allocation import PersonInput, register
from lq_crm.doctype.event.models import Event, Registration
from lq_crm.doctype.region.models import Region
from lq_crm.doctype.slip.models import PurchaseSlip
from lq_crm.doctype.store.models import Store
from lq_crm.portal.office.scope import SESSION_KEY
from lq_crm.portal.office.views.dashboard import change_percent
from tests.conftest import make_user
from tests.events.builders import make_event
from tests.factories import (
    CardFactory,
    HouseholdPersonFactory,
    StoreFactory,
    submitted_slip,
)

pytestmark = pytest.mark.django_db


@dataclass
class CityData:
    """One city's store, household, card, slip and registration."""

    store: Store
    card: Card
    slip: PurchaseSlip
    registration: Registration


def city_data(city: Region, name: str, serial: int, event: Event) -> CityData:
    store = StoreFactory(city=city)
    card = CardFactory(serial=serial, member__city=city, member__name=name)
    slip = submitted_slip(card, "120.00", store=store)
    registration = register(event, card, [PersonInput(name=name)])
    return CityData(store=store, card=card, slip=slip, registration=registration)


@pytest.fixture
def province_event(db: None) -> Event:
    return make_event(title="全省健康讲座")


@pytest.fixture
def jinan_data(jinan: Region, province_event: Event) -> CityData:
    return city_data(jinan, "济南王建国", 20_000_001, province_event)


@pytest.fixture
def qingdao_data(qingdao: Region, province_event: Event) -> CityData:
    return city_data(qingdao, "青岛李秀英", 20_000_002, province_event)


def client_for(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


LIST_AND_FORM_PAGES = [
    "office_portal:dashboard",
    "office_portal:slip-entry",
    "office_portal:register",
    "office_portal:members",
    "office_portal:cards",
    "office_portal:slips",
    "office_portal:registrations",
]


# Access -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url_name",
    [*LIST_AND_FORM_PAGES, "office_portal:sign-up", "office_portal:check-in"],
)
def test_anonymous_is_sent_to_login(url_name: str) -> None:
    response = Client().get(reverse(url_name))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("office_portal:login"))


def test_login_page_signs_in_clerk(jinan_clerk: User) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")

    page = client.get(reverse("office_portal:login"))
    response = client.post(
        reverse("office_portal:login"),
        {"username": "jinan-clerk", "password": "secret-pass-1"},
    )

    assert page.status_code == 200
    assert response.status_code == 302
    assert response["Location"] == reverse("office_portal:dashboard")
    assert client.get(reverse("office_portal:dashboard")).status_code == 200


def test_login_rejects_household_account(jinan: Region) -> None:
    make_user("household", "member", [jinan])
    client = Client(HTTP_ACCEPT_LANGUAGE="en")

    response = client.post(
        reverse("office_portal:login"),
        {"username": "household", "password": "secret-pass-1"},
    )

    assert response.status_code == 200
    assert "cannot use the office portal" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_locks_after_five_failures(jinan_clerk: User) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    for _attempt in range(5):
        client.post(
            reverse("office_portal:login"),
            {"username": "jinan-clerk", "password": "wrong-password"},
        )

    response = client.post(
        reverse("office_portal:login"),
        {"username": "jinan-clerk", "password": "secret-pass-1"},
    )

    assert response.status_code == 200
    assert "Too many failed sign-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_household_account_gets_403(jinan: Region) -> None:
    household = make_user("household", "member", [jinan])

    response = client_for(household).get(reverse("office_portal:dashboard"))

    assert response.status_code == 403


def test_clerk_may_not_open_check_in(jinan_clerk: User) -> None:
    response = client_for(jinan_clerk).get(reverse("office_portal:check-in"))

    assert response.status_code == 403


@pytest.mark.parametrize(
    "url_name", ["office_portal:sign-up", "office_portal:check-in"]
)
def test_office_pages_both_ways(
    url_name: str,
    jinan: Region,
    qingdao: Region,
    jinan_data: CityData,
    qingdao_data: CityData,
) -> None:
    jinan_office = make_user("jinan-office", "regional_office", [jinan])
    qingdao_office = make_user("qingdao-office", "regional_office", [qingdao])
    for user, other, city in [
        (jinan_office, qingdao_data, jinan),
        (qingdao_office, jinan_data, qingdao),
    ]:
        response = client_for(user).get(reverse(url_name))

        content = response.content.decode()
        assert response.status_code == 200, user.username
        assert response.context["city"] == city
        assert other.store.name not in content
        assert other.card.card_number not in content


# Choosing the city ------------------------------------------------------------


def test_head_office_picks_a_city(
    head_office_admin: User, qingdao: Region, qingdao_data: CityData
) -> None:
    client = client_for(head_office_admin)

    first = client.get(reverse("office_portal:members"))
    chosen = client.post(
        reverse("office_portal:city"),
        {"city": qingdao.pk, "next": reverse("office_portal:members")},
    )
    members = client.get(reverse("office_portal:members"))

    assert first.status_code == 302
    assert first["Location"].startswith(reverse("office_portal:city"))
    assert chosen["Location"] == reverse("office_portal:members")
    assert qingdao_data.card.member.number in members.content.decode()


def test_clerk_cannot_pick_other_city(jinan_clerk: User, qingdao: Region) -> None:
    client = client_for(jinan_clerk)

    response = client.post(reverse("office_portal:city"), {"city": qingdao.pk})

    assert response.status_code == 200
    assert "form" in response.context
    assert response.context["form"].errors["city"]
    assert client.session.get(SESSION_KEY) != qingdao.pk


def test_forged_session_city_is_ignored(
    jinan_clerk: User,
    jinan: Region,
    qingdao: Region,
    jinan_data: CityData,
    qingdao_data: CityData,
) -> None:
    client = client_for(jinan_clerk)
    session = client.session
    session[SESSION_KEY] = qingdao.pk
    session.save()

    response = client.get(reverse("office_portal:members"))

    content = response.content.decode()
    assert response.context["city"] == jinan
    assert jinan_data.card.member.number in content
    assert qingdao_data.card.member.number not in content


def test_open_redirect_after_city_is_refused(
    head_office_admin: User, jinan: Region
) -> None:
    response = client_for(head_office_admin).post(
        reverse("office_portal:city"),
        {"city": jinan.pk, "next": "https://example.com/"},
    )

    assert response["Location"] == reverse("office_portal:dashboard")


# Every page both ways ---------------------------------------------------------


@pytest.mark.parametrize("url_name", LIST_AND_FORM_PAGES)
def test_page_shows_own_city_only(
    url_name: str,
    jinan_clerk: User,
    qingdao_clerk: User,
    jinan: Region,
    qingdao: Region,
    jinan_data: CityData,
    qingdao_data: CityData,
) -> None:
    for user, other, city in [
        (jinan_clerk, qingdao_data, jinan),
        (qingdao_clerk, jinan_data, qingdao),
    ]:
        response = client_for(user).get(reverse(url_name))

        content = response.content.decode()
        assert response.status_code == 200, user.username
        assert response.context["city"] == city
        assert other.card.card_number not in content
        assert other.slip.number not in content
        assert other.registration.number not in content
        assert other.store.name not in content
        assert other.card.member.number not in content


@pytest.mark.parametrize(
    ("url_name", "row_kind"),
    [
        ("office_portal:members", "member"),
        ("office_portal:cards", "card"),
        ("office_portal:slips", "slip"),
        ("office_portal:registrations", "registration"),
    ],
)
def test_list_shows_own_rows(
    url_name: str,
    row_kind: str,
    jinan_clerk: User,
    qingdao_clerk: User,
    jinan_data: CityData,
    qingdao_data: CityData,
) -> None:
    expected = {
        "member": lambda data: data.card.member.number,
        "card": lambda data: data.card.card_number,
        "slip": lambda data: data.slip.number,
        "registration": lambda data: data.registration.number,
    }[row_kind]
    for user, own in [(jinan_clerk, jinan_data), (qingdao_clerk, qingdao_data)]:
        response = client_for(user).get(reverse(url_name))

        assert expected(own) in response.content.decode(), user.username


def detail_urls(data: CityData) -> list[str]:
    return [
        reverse("office_portal:member", args=[data.card.member_id]),
        reverse("office_portal:slip", args=[data.slip.pk]),
        reverse("office_portal:registration", args=[data.registration.pk]),
    ]


def test_detail_pages_open_in_own_city(
    jinan_clerk: User,
    qingdao_clerk: User,
    jinan_data: CityData,
    qingdao_data: CityData,
) -> None:
    for user, own in [(jinan_clerk, jinan_data), (qingdao_clerk, qingdao_data)]:
        client = client_for(user)
        for url in detail_urls(own):
            assert client.get(url).status_code == 200, (user.username, url)


def test_other_city_detail_pages_are_404(
    jinan_clerk: User,
    qingdao_clerk: User,
    jinan_data: CityData,
    qingdao_data: CityData,
) -> None:
    for user, other in [(jinan_clerk, qingdao_data), (qingdao_clerk, jinan_data)]:
        client = client_for(user)
        for url in detail_urls(other):
            response = client.get(url)

            assert response.status_code == 404, (user.username, url)
            assert other.card.member.name not in response.content.decode()


@pytest.mark.parametrize(
    "url_name",
    [
        "office_portal:members",
        "office_portal:cards",
        "office_portal:slips",
        "office_portal:registrations",
    ],
)
def test_search_does_not_reach_other_city(
    url_name: str, jinan_clerk: User, jinan_data: CityData, qingdao_data: CityData
) -> None:
    client = client_for(jinan_clerk)
    for query in [
        qingdao_data.card.card_number,
        qingdao_data.slip.number,
        qingdao_data.registration.number,
        qingdao_data.card.member.number,
        qingdao_data.card.member.name,
    ]:
        response = client.get(reverse(url_name), {"q": query})

        assert response.status_code == 200
        assert response.context["page"].paginator.count == 0, query


def test_search_finds_own_card(jinan_clerk: User, jinan_data: CityData) -> None:
    response = client_for(jinan_clerk).get(
        reverse("office_portal:members"), {"q": jinan_data.card.card_number}
    )

    members = list(response.context["page"])
    assert [member.pk for member in members] == [jinan_data.card.member_id]


def test_search_finds_person_and_phone_ending(
    jinan_clerk: User, jinan_data: CityData
) -> None:
    member = jinan_data.card.member
    member.phone = "+8613955554321"
    member.save()
    HouseholdPersonFactory(member=member, name="王小梅")
    client = client_for(jinan_clerk)

    by_person = client.get(reverse("office_portal:members"), {"q": "小梅"})
    by_ending = client.get(reverse("office_portal:members"), {"q": "4321"})

    assert [row.pk for row in by_person.context["page"]] == [member.pk]
    assert [row.pk for row in by_ending.context["page"]] == [member.pk]


def test_lists_are_paginated(jinan_clerk: User, jinan: Region) -> None:
    for serial in range(30):
        CardFactory(serial=21_000_000 + serial, member__city=jinan)
    client = client_for(jinan_clerk)

    first = client.get(reverse("office_portal:members"))
    second = client.get(reverse("office_portal:members"), {"page": 2})

    assert len(first.context["page"]) == 25
    assert len(second.context["page"]) == 5
    assert first.context["page"].paginator.count == 30


def test_clerk_sees_masked_names(jinan_clerk: User, jinan_data: CityData) -> None:
    response = client_for(jinan_clerk).get(reverse("office_portal:members"))

    content = response.content.decode()
    assert "青***英" not in content
    assert "济***国" in content
    assert "济南王建国" not in content


def test_head_office_sees_whole_names(
    head_office_admin: User, jinan: Region, jinan_data: CityData
) -> None:
    client = client_for(head_office_admin)
    client.post(reverse("office_portal:city"), {"city": jinan.pk})

    response = client.get(reverse("office_portal:members"))

    assert "济南王建国" in response.content.decode()


# Dashboard --------------------------------------------------------------------


def test_dashboard_lists_events_with_seats_left(
    jinan_clerk: User, jinan: Region, qingdao: Region, jinan_data: CityData
) -> None:
    make_event(title="济南美容讲座", city=jinan, capacity=40)
    make_event(title="青岛家庭聚会", city=qingdao, capacity=30)

    response = client_for(jinan_clerk).get(reverse("office_portal:dashboard"))

    events = {item.event.title: item for item in response.context["events"]}
    assert events["济南美容讲座"].seats_left == 40
    # The province-wide event has 5 seats, one taken by each city's household.
    assert events["全省健康讲座"].seats_left == 4
    assert "青岛家庭聚会" not in events
    assert "青岛家庭聚会" not in response.content.decode()


def test_dashboard_shows_tier_counts(jinan_clerk: User, jinan_data: CityData) -> None:
    response = client_for(jinan_clerk).get(reverse("office_portal:dashboard"))

    figures = response.context["figures"]
    assert sum(count for _name, count in figures.tier_counts) == 1
    for name, _count in figures.tier_counts:
        assert name in response.content.decode()


def test_dashboard_figures_are_of_own_city(
    jinan_clerk: User,
    qingdao_clerk: User,
    jinan: Region,
    qingdao: Region,
    jinan_data: CityData,
    qingdao_data: CityData,
) -> None:
    for user, city in [(jinan_clerk, jinan), (qingdao_clerk, qingdao)]:
        response = client_for(user).get(reverse("office_portal:dashboard"))

        figures = response.context["figures"]
        tiles = {str(item["label"]): item for item in response.context["comparisons"]}
        assert figures.city == city, user.username
        assert tiles["Slips"]["current"] == figures.slips
        assert tiles["Spend"]["current"] == figures.spend
        assert tiles["New households"]["current"] == figures.new_households


@pytest.mark.parametrize(
    ("current", "previous", "expected"),
    [
        (150, 100, 50),
        (50, 100, -50),
        (Decimal("99.50"), Decimal("100"), 0),
        (5, 0, None),
    ],
)
def test_change_percent(
    current: Decimal | int, previous: Decimal | int, expected: int | None
) -> None:
    assert change_percent(current, previous) == expected
