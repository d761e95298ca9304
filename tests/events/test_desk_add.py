"""The desk's add form for a registration, through Django's test client."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from lq_crm.doctype.card.models import Card
from lq_crm.doctype.event.models import Event, Registration
from lq_crm.doctype.member.models import HouseholdPerson, Member
from lq_crm.doctype.region.models import Region
from tests.conftest import make_user

from .builders import make_event, make_household, register_household

pytestmark = pytest.mark.django_db

Status = Registration.Status
ADD_URL = reverse("admin:event_registration_add")


def english_client(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def household_with_persons(city: Region, *names: str) -> tuple[Member, Card]:
    member, card = make_household(city)
    for name in names:
        HouseholdPerson.objects.create(member=member, name=name)
    return member, card


def find_step(client: Client, event: Event, **household: object) -> dict:
    """Post step one; return the hidden fields of step two from its form."""
    response = client.post(ADD_URL, {"step": "find", "event": event.pk, **household})
    assert response.status_code == 200
    form = response.context["form"]
    return {
        "step": "register",
        "event": form.initial["event"],
        "card_number": form.initial["card_number"],
        "submission_key": form.initial["submission_key"],
    }


def person_ids(member: Member) -> list[str]:
    return [str(pk) for pk in member.persons.values_list("pk", flat=True)]


def test_add_page_lists_open_events(jinan_clerk: User) -> None:
    open_event = make_event(title="蛇园一日游")
    closed = make_event(title="已结束讲座", status=Event.Status.CLOSED)

    response = english_client(jinan_clerk).get(ADD_URL)

    assert response.status_code == 200
    content = response.content.decode()
    assert open_event.title in content
    assert closed.title not in content


def test_register_by_card_confirms(jinan: Region, jinan_clerk: User) -> None:
    event = make_event(capacity=5)
    member, card = household_with_persons(jinan, "王建国", "李秀英", "王小明")
    client = english_client(jinan_clerk)
    hidden = find_step(client, event, card_number=card.card_number)

    response = client.post(
        ADD_URL, {**hidden, "persons": person_ids(member)[:2], "other_names": "张伟"}
    )

    registration = Registration.objects.get(event=event)
    assert response.status_code == 302
    assert response.url == reverse(
        "admin:event_registration_change", args=[registration.pk]
    )
    assert registration.status == Status.CONFIRMED
    assert registration.seats == 3
    names = list(registration.persons.values_list("name", flat=True))
    assert names == ["王建国", "李秀英", "张伟"]
    assert registration.owner == jinan_clerk
    page = client.get(response.url)
    assert f"{registration.number} registered: Confirmed" in page.content.decode()


def test_step_two_lists_household_and_fee(jinan: Region, jinan_clerk: User) -> None:
    event = make_event(fee_per_person=Decimal("60.00"))
    member, card = household_with_persons(jinan, "王建国")
    client = english_client(jinan_clerk)

    response = client.post(
        ADD_URL, {"step": "find", "event": event.pk, "card_number": card.card_number}
    )

    content = response.content.decode()
    assert "王建国" in content
    assert member.number in content
    assert "¥60.00 per person" in content
    assert 'name="submission_key"' in content


def test_find_household_by_search(jinan: Region, jinan_clerk: User) -> None:
    event = make_event()
    member, card = household_with_persons(jinan, "赵敏")
    client = english_client(jinan_clerk)

    hidden = find_step(client, event, member=member.pk)
    response = client.post(ADD_URL, {**hidden, "persons": person_ids(member)})

    assert hidden["card_number"] == card.card_number
    assert response.status_code == 302
    assert Registration.objects.get(event=event).member == member


def test_card_and_search_together_rejected(jinan: Region, jinan_clerk: User) -> None:
    event = make_event()
    member, card = make_household(jinan)

    response = english_client(jinan_clerk).post(
        ADD_URL,
        {
            "step": "find",
            "event": event.pk,
            "card_number": card.card_number,
            "member": member.pk,
        },
    )

    assert response.status_code == 200
    errors = response.context["find_form"].non_field_errors()
    assert errors == ["Enter a card number or choose a household, but not both."]


def test_refusal_names_rule_and_shortfall(jinan: Region, jinan_clerk: User) -> None:
    event = make_event(min_spend_new=Decimal("200.00"))
    member, card = household_with_persons(jinan, "王建国")
    client = english_client(jinan_clerk)
    hidden = find_step(client, event, card_number=card.card_number)

    response = client.post(ADD_URL, {**hidden, "persons": person_ids(member)})

    assert response.status_code == 200
    [error] = response.context["form"].non_field_errors()
    assert "¥200.00 more spend" in error
    assert "new household: ¥200.00 minimum spend" in error
    assert Registration.objects.filter(event=event).count() == 0


def test_short_seats_then_waitlist(jinan: Region, jinan_clerk: User) -> None:
    event = make_event(capacity=3)
    register_household(event, jinan, seats=2)
    member, card = household_with_persons(jinan, "王建国", "李秀英")
    client = english_client(jinan_clerk)
    hidden = find_step(client, event, card_number=card.card_number)
    chosen = {**hidden, "persons": person_ids(member)}

    refused = client.post(ADD_URL, chosen)
    waitlisted = client.post(ADD_URL, {**chosen, "waitlist_rest": "on"})

    [error] = refused.context["form"].non_field_errors()
    assert "Only 1 seats remain" in error
    assert waitlisted.status_code == 302
    registration = Registration.objects.get(event=event, member=member)
    assert registration.status == Status.WAITLISTED
    assert registration.waitlist_position == 1
    assert registration.seats == 2


def test_double_submit_registers_once(jinan: Region, jinan_clerk: User) -> None:
    event = make_event(capacity=5)
    member, card = household_with_persons(jinan, "王建国")
    client = english_client(jinan_clerk)
    hidden = find_step(client, event, card_number=card.card_number)
    chosen = {**hidden, "persons": person_ids(member)}

    first = client.post(ADD_URL, chosen)
    second = client.post(ADD_URL, chosen)

    registration = Registration.objects.get(event=event)
    assert first.status_code == 302
    assert second.status_code == 302
    assert second.url == first.url
    assert registration.seats == 1
    assert event.departures.get().seats_taken == 1


def test_new_form_after_success_is_refused(jinan: Region, jinan_clerk: User) -> None:
    event = make_event(capacity=5)
    member, card = household_with_persons(jinan, "王建国")
    client = english_client(jinan_clerk)
    first = find_step(client, event, card_number=card.card_number)
    client.post(ADD_URL, {**first, "persons": person_ids(member)})
    again = find_step(client, event, card_number=card.card_number)

    response = client.post(ADD_URL, {**again, "persons": person_ids(member)})

    [error] = response.context["form"].non_field_errors()
    assert "already registered" in error
    assert Registration.objects.filter(event=event).count() == 1


@pytest.mark.parametrize(
    ("clerk", "own_city", "other_city"),
    [("jinan_clerk", "jinan", "qingdao"), ("qingdao_clerk", "qingdao", "jinan")],
)
def test_clerk_registers_own_city_only(
    request: pytest.FixtureRequest, clerk: str, own_city: str, other_city: str
) -> None:
    user = request.getfixturevalue(clerk)
    own = request.getfixturevalue(own_city)
    other = request.getfixturevalue(other_city)
    event = make_event()
    own_member, own_card = household_with_persons(own, "本市住户")
    other_member, other_card = household_with_persons(other, "外市住户")
    client = english_client(user)

    by_card = client.post(
        ADD_URL,
        {"step": "find", "event": event.pk, "card_number": other_card.card_number},
    )
    by_search = client.post(
        ADD_URL, {"step": "find", "event": event.pk, "member": other_member.pk}
    )
    hidden = find_step(client, event, card_number=own_card.card_number)
    forged = client.post(
        ADD_URL,
        {
            **hidden,
            "card_number": other_card.card_number,
            "persons": person_ids(other_member),
        },
    )

    card_errors = by_card.context["find_form"].non_field_errors()
    assert card_errors == [
        f"Card {other_card.card_number} was not found: check the number on the card."
    ]
    assert "member" in by_search.context["find_form"].errors
    assert forged.status_code == 302
    assert forged.url == ADD_URL
    assert not Registration.objects.filter(member=other_member).exists()
    own_response = client.post(ADD_URL, {**hidden, "persons": person_ids(own_member)})
    assert own_response.status_code == 302
    assert Registration.objects.filter(member=own_member).exists()


def test_other_city_event_not_offered(
    qingdao: Region, jinan: Region, jinan_clerk: User
) -> None:
    hidden_event = make_event(title="青岛专场", city=qingdao)
    _member, card = make_household(jinan)

    response = english_client(jinan_clerk).post(
        ADD_URL,
        {"step": "find", "event": hidden_event.pk, "card_number": card.card_number},
    )

    assert "event" in response.context["find_form"].errors
    assert Registration.objects.count() == 0


def test_add_needs_permission(jinan: Region) -> None:
    viewer = make_user("event-viewer", "member", [jinan])

    response = english_client(viewer).get(ADD_URL)

    assert response.status_code == 403
