"""Registering for events from the portal, and cancelling with promotion."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lq_crm.doctype.card.models import Card
from lq_crm.doctype.event.allocation import PersonInput, register
from lq_crm.doctype.event.eligibility import EligibilityError, RegistrationError
from lq_crm.doctype.event.models import Departure, Event, Registration
from lq_crm.doctype.member.models import HouseholdPerson
from lq_crm.notify.models import Notification
from lq_crm.portal.member.actor import PORTAL_USERNAME
from lq_crm.portal.member.events import (
    HOLDER,
    cancel_household_registration,
    eligibility_of,
    register_household,
)
from lq_crm.workflow.models import TransitionLog
from tests.events.builders import make_event
from tests.factories import HouseholdPersonFactory, city_named, submitted_slip

from .test_member_support import household_with_card, sign_in

pytestmark = pytest.mark.django_db

PHONE = "+8613844440001"
Status = Registration.Status


@pytest.fixture
def own_card(client: Client) -> Card:
    _member, card = household_with_card(PHONE)
    sign_in(client, PHONE)
    return card


def other_household(index: int) -> Card:
    return household_with_card(f"+86138444400{index + 10:02d}")[1]


def register_url(event: Event) -> str:
    return reverse("member_portal:event", args=[event.pk])


def cancel_url(registration: Registration) -> str:
    return reverse("member_portal:cancel-registration", args=[registration.pk])


def log_of(registration: Registration, action: str) -> TransitionLog:
    return TransitionLog.objects.get(
        document_type=ContentType.objects.get_for_model(Registration),
        document_id=str(registration.pk),
        action=action,
    )


def test_register_confirms_chosen_persons(client: Client, own_card: Card) -> None:
    spouse = HouseholdPersonFactory(member=own_card.member, name="刘芳")
    event = make_event(capacity=5)

    response = client.post(register_url(event), {"persons": [HOLDER, spouse.pk]})

    assert response.status_code == 302
    registration = Registration.objects.get(event=event)
    assert registration.member == own_card.member
    assert registration.card == own_card
    assert registration.status == Status.CONFIRMED
    assert registration.seats == 2
    names = sorted(registration.persons.values_list("name", flat=True))
    assert names == sorted([own_card.member.name, "刘芳"])
    assert registration.persons.get(name="刘芳").person == spouse
    assert registration.owner.username == PORTAL_USERNAME
    assert Departure.objects.get(event=event).seats_taken == 2
    html = client.get(register_url(event)).content.decode()
    assert registration.number in html
    assert 'data-test="register-form"' not in html


def test_head_person_replaces_holder(own_card: Card) -> None:
    HouseholdPersonFactory(
        member=own_card.member, relation=HouseholdPerson.Relation.HEAD
    )
    event = make_event()

    with pytest.raises(RegistrationError):
        register_household(own_card.member, event, [HOLDER])


def test_register_waitlists_when_full(client: Client, own_card: Card) -> None:
    event = make_event(capacity=1)
    register(event, other_household(1), [PersonInput(name="先来")])

    client.post(register_url(event), {"persons": [HOLDER]})

    registration = Registration.objects.get(event=event, member=own_card.member)
    assert registration.status == Status.WAITLISTED
    assert registration.waitlist_position == 1


def test_too_few_seats_explained(client: Client, own_card: Card) -> None:
    spouse = HouseholdPersonFactory(member=own_card.member)
    event = make_event(capacity=2)
    register(event, other_household(1), [PersonInput(name="先来")])

    response = client.post(register_url(event), {"persons": [HOLDER, spouse.pk]})

    assert response.status_code == 200
    assert "Only 1 seats remain" in response.content.decode()
    assert not Registration.objects.filter(member=own_card.member).exists()

    client.post(
        register_url(event), {"persons": [HOLDER, spouse.pk], "waitlist_rest": "on"}
    )
    registration = Registration.objects.get(member=own_card.member)
    assert registration.status == Status.WAITLISTED


def test_ineligible_shows_missing_spend(client: Client, own_card: Card) -> None:
    submitted_slip(own_card, "200.00")
    event = make_event(min_spend_new=Decimal("500.00"))

    events_page = client.get(reverse("member_portal:events")).content.decode()
    response = client.post(register_url(event), {"persons": [HOLDER]})

    assert "¥300.00 more spend" in events_page
    assert response.status_code == 200
    assert "¥300.00 more spend" in response.content.decode()
    assert not Registration.objects.filter(event=event).exists()


def test_eligibility_reason_and_rule(own_card: Card) -> None:
    submitted_slip(own_card, "600.00")
    event = make_event(min_spend_new=Decimal("500.00"))
    closed_to_city = make_event()
    closed_to_city.allowed_cities.set([city_named("青岛市")])

    allowed = eligibility_of(own_card.member, event)
    rejected = eligibility_of(own_card.member, closed_to_city)

    assert allowed.eligible
    assert "500.00" in allowed.reason
    assert not rejected.eligible
    assert "青岛市" in rejected.reason


def test_service_rejects_ineligible(own_card: Card) -> None:
    event = make_event(min_spend_new=Decimal("100.00"))

    with pytest.raises(EligibilityError, match=r"100\.00 more spend"):
        register_household(own_card.member, event, [HOLDER])


def test_foreign_person_rejected(client: Client, own_card: Card) -> None:
    stranger = HouseholdPersonFactory()
    event = make_event()

    response = client.post(register_url(event), {"persons": [stranger.pk]})

    assert response.status_code == 200
    assert not Registration.objects.filter(event=event).exists()
    with pytest.raises(RegistrationError):
        register_household(own_card.member, event, [str(stranger.pk)])


def test_double_submit_registers_once(client: Client, own_card: Card) -> None:
    event = make_event()

    client.post(register_url(event), {"persons": [HOLDER]})
    response = client.post(register_url(event), {"persons": [HOLDER]})

    assert response.status_code == 200
    assert "already registered" in response.content.decode()
    assert Registration.objects.filter(event=event).count() == 1
    assert Departure.objects.get(event=event).seats_taken == 1


def test_no_usable_card_rejected(client: Client, own_card: Card) -> None:
    Card.objects.filter(pk=own_card.pk).update(status=Card.Status.LOST)
    event = make_event()

    response = client.post(register_url(event), {"persons": [HOLDER]})

    assert "no card in use" in response.content.decode()
    assert not Registration.objects.exists()


def test_lottery_registration_waits_for_draw(client: Client, own_card: Card) -> None:
    event = make_event(allocation_mode=Event.AllocationMode.LOTTERY)

    client.post(register_url(event), {"persons": [HOLDER]}, follow=True)

    registration = Registration.objects.get(event=event)
    assert registration.status == Status.REGISTERED


def test_cancel_promotes_waiting_household(client: Client, own_card: Card) -> None:
    event = make_event(capacity=1)
    client.post(register_url(event), {"persons": [HOLDER]})
    own = Registration.objects.get(member=own_card.member)
    waiting = register(event, other_household(1), [PersonInput(name="候补")])
    assert own.status == Status.CONFIRMED
    assert waiting.status == Status.WAITLISTED

    confirm_page = client.get(cancel_url(own))
    response = client.post(cancel_url(own))

    assert confirm_page.status_code == 200
    assert response["Location"] == reverse("member_portal:events")
    own.refresh_from_db()
    waiting.refresh_from_db()
    assert own.status == Status.CANCELLED
    assert own.cancelled_at is not None
    assert waiting.status == Status.CONFIRMED
    assert Departure.objects.get(event=event).seats_taken == 1
    assert log_of(own, "cancel").user.username == PORTAL_USERNAME
    assert log_of(waiting, "promote").user is None
    assert Notification.objects.filter(
        key=f"registration-promoted:{waiting.pk}"
    ).exists()


def test_cancel_twice_rejected(client: Client, own_card: Card) -> None:
    event = make_event()
    client.post(register_url(event), {"persons": [HOLDER]})
    own = Registration.objects.get(member=own_card.member)
    client.post(cancel_url(own))

    response = client.post(cancel_url(own), follow=True)

    assert "cannot be cancelled" in response.content.decode()
    assert (
        TransitionLog.objects.filter(document_id=str(own.pk), action="cancel").count()
        == 1
    )


def test_cancel_after_start_rejected(own_card: Card) -> None:
    event = make_event()
    registration = register_household(own_card.member, event, [HOLDER])
    Event.objects.filter(pk=event.pk).update(
        starts_at=timezone.now() - timedelta(hours=1)
    )
    registration.refresh_from_db()

    with pytest.raises(RegistrationError, match="has started"):
        cancel_household_registration(own_card.member, registration)


def test_cancel_other_household_rejected(own_card: Card) -> None:
    event = make_event()
    registration = register(event, other_household(1), [PersonInput(name="别家")])

    with pytest.raises(RegistrationError):
        cancel_household_registration(own_card.member, registration)
    registration.refresh_from_db()
    assert registration.status == Status.CONFIRMED


def test_closed_window_explained(client: Client, own_card: Card) -> None:
    event = make_event()
    register_household(own_card.member, event, [HOLDER])
    Event.objects.filter(pk=event.pk).update(
        registration_closes_at=timezone.now() - timedelta(minutes=1)
    )

    html = client.get(register_url(event)).content.decode()
    choice = eligibility_of(own_card.member, Event.objects.get(pk=event.pk))

    assert not choice.eligible
    assert "is open from" in choice.reason
    assert 'data-test="register-form"' not in html
    assert choice.registration is not None
