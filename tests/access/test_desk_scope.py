"""Desk paths of a regional office user: lists, forms, search, filters, actions."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from lq_crm.doctype.card.models import Card
from lq_crm.doctype.event.models import Registration
from lq_crm.doctype.member.models import Member
from lq_crm.notify.models import Notification
from tests.access.conftest import BOTH_WAYS, CityRecords, World, client_for

pytestmark = pytest.mark.django_db

# (changelist URL, the CityRecords attribute listed there)
CHANGELISTS = [
    ("/desk/member/member/", "member"),
    ("/desk/card/card/", "card"),
    ("/desk/slip/purchaseslip/", "slip"),
    ("/desk/points/pointsledgerentry/", "ledger_entry"),
    ("/desk/tier/tierchange/", "tier_change"),
    ("/desk/store/store/", "store"),
    ("/desk/event/event/", "event"),
    ("/desk/event/registration/", "registration"),
    ("/desk/notify/notification/", "notification"),
]


def listed_ids(response) -> set[int]:
    return {row.pk for row in response.context["cl"].result_list}


@pytest.mark.parametrize(("own", "other"), BOTH_WAYS)
@pytest.mark.parametrize(("url", "attribute"), CHANGELISTS)
def test_changelist_shows_own_city_only(
    world: World,
    offices: dict[str, User],
    own: str,
    other: str,
    url: str,
    attribute: str,
) -> None:
    response = client_for(offices[own]).get(url)

    assert response.status_code == 200
    ids = listed_ids(response)
    assert getattr(world.of(own), attribute).pk in ids
    assert getattr(world.of(other), attribute).pk not in ids


def test_head_office_lists_every_city(world: World, head_office_admin: User) -> None:
    response = client_for(head_office_admin).get("/desk/member/member/")

    ids = listed_ids(response)
    assert world.jinan.member.pk in ids
    assert world.qingdao.member.pk in ids


def test_user_with_empty_scope_lists_nothing(world: World, jinan_office: User) -> None:
    jinan_office.city_scope.cities.clear()

    response = client_for(jinan_office).get("/desk/member/member/")

    assert listed_ids(response) == set()


@pytest.mark.parametrize(("own", "other"), BOTH_WAYS)
def test_shared_rows_listed_for_every_office(
    world: World, offices: dict[str, User], own: str, other: str
) -> None:
    client = client_for(offices[own])

    cards = listed_ids(client.get("/desk/card/card/"))
    events = listed_ids(client.get("/desk/event/event/"))

    assert world.stock_card.pk in cards
    assert world.province_event.pk in events


@pytest.mark.parametrize(("own", "other"), BOTH_WAYS)
@pytest.mark.parametrize(
    ("app_model", "attribute"),
    [
        ("member/member", "member"),
        ("slip/purchaseslip", "slip"),
        ("store/store", "store"),
        ("event/event", "event"),
        ("event/registration", "registration"),
        ("card/card", "card"),
        ("notify/notification", "notification"),
    ],
)
def test_change_form_of_other_city_missing(
    world: World,
    offices: dict[str, User],
    own: str,
    other: str,
    app_model: str,
    attribute: str,
) -> None:
    client = client_for(offices[own])
    own_pk = getattr(world.of(own), attribute).pk
    other_pk = getattr(world.of(other), attribute).pk

    own_response = client.get(f"/desk/{app_model}/{own_pk}/change/")
    other_response = client.get(f"/desk/{app_model}/{other_pk}/change/")

    assert own_response.status_code == 200
    # The admin redirects to the index with "does not exist" for a missing row.
    assert other_response.status_code == 302
    assert other_response.url == "/desk/"


@pytest.mark.parametrize(("own", "other"), BOTH_WAYS)
def test_history_of_other_city_not_found(
    world: World, offices: dict[str, User], own: str, other: str
) -> None:
    client = client_for(offices[own])
    other_member = world.of(other).member
    version = other_member.history.first()

    history = client.get(f"/desk/member/member/{other_member.pk}/history/")
    snapshot = client.get(
        f"/desk/member/member/{other_member.pk}/history/{version.history_id}/"
    )

    assert history.status_code == 404
    assert snapshot.status_code == 404


@pytest.mark.parametrize(("own", "other"), BOTH_WAYS)
def test_search_finds_own_city_only(
    world: World, offices: dict[str, User], own: str, other: str
) -> None:
    client = client_for(offices[own])

    by_name = client.get("/desk/member/member/", {"q": "会员"})
    by_card = client.get(
        "/desk/member/member/", {"q": world.of(other).card.card_number}
    )
    by_phone = client.get("/desk/member/member/", {"q": world.of(other).member.phone})
    by_number = client.get("/desk/member/member/", {"q": world.of(other).member.number})

    assert listed_ids(by_name) == {world.of(own).member.pk}
    assert listed_ids(by_card) == set()
    assert listed_ids(by_phone) == set()
    assert listed_ids(by_number) == set()


def autocomplete_ids(
    client, app_label: str, model_name: str, field_name: str
) -> set[int]:
    response = client.get(
        "/desk/autocomplete/",
        {
            "app_label": app_label,
            "model_name": model_name,
            "field_name": field_name,
            "term": "",
        },
    )
    assert response.status_code == 200
    return {int(result["id"]) for result in response.json()["results"]}


@pytest.mark.parametrize(("own", "other"), BOTH_WAYS)
@pytest.mark.parametrize(
    ("source", "attribute"),
    [
        (("member", "member", "signup_store"), "store"),
        (("slip", "purchaseslip", "member"), "member"),
        (("slip", "purchaseslip", "card"), "card"),
        (("event", "registration", "event"), "event"),
    ],
)
def test_autocomplete_offers_own_city_only(
    world: World,
    offices: dict[str, User],
    own: str,
    other: str,
    source: tuple[str, str, str],
    attribute: str,
) -> None:
    ids = autocomplete_ids(client_for(offices[own]), *source)

    assert getattr(world.of(own), attribute).pk in ids
    assert getattr(world.of(other), attribute).pk not in ids


def filter_choices(response, parameter: str) -> set[int]:
    """Return the ids offered by the list filter whose field path is ``parameter``.

    The admin hides a related filter with a single choice, which is what a
    user of one city gets for a city filter, so a missing filter offers none.
    """
    for spec in response.context["cl"].filter_specs:
        if getattr(spec, "field_path", None) == parameter:
            return {int(pk) for pk, _label in spec.lookup_choices}
    return set()


@pytest.mark.parametrize(("own", "other"), BOTH_WAYS)
@pytest.mark.parametrize(
    ("url", "parameter", "attribute"),
    [
        ("/desk/member/member/", "city", "city"),
        ("/desk/store/store/", "city", "city"),
        ("/desk/slip/purchaseslip/", "store__city", "city"),
        ("/desk/event/event/", "city", "city"),
        ("/desk/event/registration/", "member__city", "city"),
        ("/desk/event/registration/", "event", "event"),
    ],
)
def test_list_filter_offers_own_city_only(
    world: World,
    offices: dict[str, User],
    own: str,
    other: str,
    url: str,
    parameter: str,
    attribute: str,
) -> None:
    own_choices = filter_choices(client_for(offices[own]).get(url), parameter)

    assert getattr(world.of(other), attribute).pk not in own_choices
    assert own_choices <= {
        getattr(world.of(own), attribute).pk,
        world.province_event.pk,
    }


@pytest.mark.parametrize(
    ("url", "parameter", "attribute"),
    [
        ("/desk/member/member/", "city", "city"),
        ("/desk/slip/purchaseslip/", "store__city", "city"),
        ("/desk/event/registration/", "event", "event"),
    ],
)
def test_list_filter_offers_head_office_every_city(
    world: World, head_office_admin: User, url: str, parameter: str, attribute: str
) -> None:
    choices = filter_choices(client_for(head_office_admin).get(url), parameter)

    assert getattr(world.jinan, attribute).pk in choices
    assert getattr(world.qingdao, attribute).pk in choices


def test_event_filter_lists_own_and_province_events(
    world: World, jinan_office: User
) -> None:
    response = client_for(jinan_office).get("/desk/event/registration/")

    choices = filter_choices(response, "event")
    assert choices == {world.jinan.event.pk, world.province_event.pk}


@pytest.mark.parametrize(("own", "other"), BOTH_WAYS)
def test_form_choices_exclude_other_city(
    world: World, offices: dict[str, User], own: str, other: str
) -> None:
    response = client_for(offices[own]).get("/desk/member/member/add/")

    form = response.context["adminform"].form
    stores = set(form.fields["signup_store"].queryset.values_list("pk", flat=True))
    cities = set(form.fields["city"].queryset.values_list("pk", flat=True))
    assert stores == {world.of(own).store.pk}
    assert cities == {world.of(own).city.pk}


@pytest.mark.parametrize(("own", "other"), BOTH_WAYS)
def test_bulk_action_skips_other_city(
    world: World, offices: dict[str, User], own: str, other: str
) -> None:
    own_card, other_card = world.of(own).card, world.of(other).card

    client_for(offices[own]).post(
        "/desk/card/card/",
        {"action": "block", "_selected_action": [own_card.pk, other_card.pk]},
    )

    own_card.refresh_from_db()
    other_card.refresh_from_db()
    assert own_card.status == Card.Status.BLOCKED
    assert other_card.status == Card.Status.ACTIVE


@pytest.mark.parametrize(("own", "other"), BOTH_WAYS)
def test_bulk_cancel_registrations_skips_other_city(
    world: World, offices: dict[str, User], own: str, other: str
) -> None:
    other_registration = world.of(other).registration

    client_for(offices[own]).post(
        "/desk/event/registration/",
        {"action": "cancel_selected", "_selected_action": [other_registration.pk]},
    )

    other_registration.refresh_from_db()
    assert other_registration.status != Registration.Status.CANCELLED


@pytest.mark.parametrize(("own", "other"), BOTH_WAYS)
def test_bulk_notification_action_skips_other_city(
    world: World, offices: dict[str, User], own: str, other: str
) -> None:
    records = [world.of(own), world.of(other)]
    Notification.objects.filter(
        pk__in=[record.notification.pk for record in records]
    ).update(status=Notification.Status.CALL_OPEN)

    client_for(offices[own]).post(
        "/desk/notify/notification/",
        {
            "action": "mark_call_made",
            "_selected_action": [record.notification.pk for record in records],
        },
    )

    own_notification, other_notification = (
        Notification.objects.get(pk=record.notification.pk) for record in records
    )
    assert own_notification.status == Notification.Status.CALL_DONE
    assert other_notification.status == Notification.Status.CALL_OPEN


def member_form_data(records: CityRecords, city_pk: int) -> dict[str, object]:
    return {
        "name": "新会员",
        "gender": "unknown",
        "phone": "13912340000",
        "city": city_pk,
        "signup_activity": "store",
        "joined_on": "2026-01-05",
        "persons-TOTAL_FORMS": 0,
        "persons-INITIAL_FORMS": 0,
    }


@pytest.mark.parametrize(("own", "other"), BOTH_WAYS)
def test_add_member_in_other_city_rejected(
    world: World, offices: dict[str, User], own: str, other: str
) -> None:
    client = client_for(offices[own])
    before = Member.objects.count()

    rejected = client.post(
        "/desk/member/member/add/",
        member_form_data(world.of(own), world.of(other).city.pk),
    )
    accepted = client.post(
        "/desk/member/member/add/",
        member_form_data(world.of(own), world.of(own).city.pk),
    )

    assert rejected.status_code == 200
    assert "city" in rejected.context["adminform"].form.errors
    assert accepted.status_code == 302
    assert Member.objects.count() == before + 1
    assert Member.objects.get(name="新会员").city == world.of(own).city


@pytest.mark.parametrize(("own", "other"), BOTH_WAYS)
def test_scoped_form_rejects_city_outside_scope(
    world: World, offices: dict[str, User], own: str, other: str, rf
) -> None:
    """The form check stops a city that slipped past the limited choices."""
    from django.contrib import admin

    member_admin = admin.site._registry[Member]
    request = rf.get("/desk/member/member/add/")
    request.user = offices[own]
    form_class = member_admin.get_form(request, None, change=False)
    form = form_class(data=member_form_data(world.of(own), world.of(other).city.pk))
    form.fields["city"].queryset = type(world.of(other).city).objects.all()

    assert not form.is_valid()
    assert "__all__" in form.errors


@pytest.mark.parametrize(("own", "other"), BOTH_WAYS)
def test_slip_in_other_city_store_rejected(
    world: World, offices: dict[str, User], own: str, other: str
) -> None:
    response = client_for(offices[own]).post(
        "/desk/slip/purchaseslip/add/",
        {
            "card_number": world.of(own).card.card_number,
            "store": world.of(other).store.pk,
            "purchased_at_0": "2026-01-05",
            "purchased_at_1": "10:00:00",
            "receipt_number": "X-1",
            "lines-TOTAL_FORMS": 0,
            "lines-INITIAL_FORMS": 0,
            "lines-MIN_NUM_FORMS": 1,
        },
    )

    assert response.status_code == 200
    assert "store" in response.context["adminform"].form.errors


@pytest.mark.parametrize(("own", "other"), BOTH_WAYS)
def test_slip_other_city_card_not_found(
    world: World, offices: dict[str, User], own: str, other: str
) -> None:
    slips_before = world.of(other).card.slips.count()
    response = client_for(offices[own]).post(
        "/desk/slip/purchaseslip/add/",
        {
            "card_number": world.of(other).card.card_number,
            "store": world.of(own).store.pk,
            "purchased_at_0": "2026-01-05",
            "purchased_at_1": "10:00:00",
            "receipt_number": "X-2",
            "lines-TOTAL_FORMS": 0,
            "lines-INITIAL_FORMS": 0,
            "lines-MIN_NUM_FORMS": 1,
        },
    )

    errors = response.context["adminform"].form.errors
    assert "card_number" in errors
    assert world.of(other).card.slips.count() == slips_before
