"""Desk pages: event list figures, city scope, actions and the roster export."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from lq_crm.doctype.event.lottery import draw
from lq_crm.doctype.event.models import Event, Registration
from lq_crm.doctype.region.models import Region
from lq_crm.doctype.tier.models import Tier
from tests.conftest import make_user

from .builders import make_event, register_household

pytestmark = pytest.mark.django_db

Status = Registration.Status
EVENTS_URL = reverse("admin:event_event_changelist")
REGISTRATIONS_URL = reverse("admin:event_registration_changelist")


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_event_list_shows_seats_and_waitlist(jinan: Region, head_office: User) -> None:
    event = make_event(capacity=1)
    register_household(event, jinan)
    register_household(event, jinan)

    response = logged_in(head_office).get(EVENTS_URL)

    assert response.status_code == 200
    content = response.content.decode()
    assert "1 / 1" in content
    assert event.title in content


def test_event_page_shows_last_draw(jinan: Region, head_office: User) -> None:
    event = make_event(capacity=1, allocation_mode=Event.AllocationMode.LOTTERY)
    register_household(event, jinan)
    register_household(event, jinan)
    event.registration_closes_at = timezone.now() - timedelta(seconds=1)
    event.save()
    draw(event, seed=987654321)

    listing = logged_in(head_office).get(EVENTS_URL)
    page = logged_in(head_office).get(
        reverse("admin:event_event_change", args=[event.pk])
    )

    assert "987654321" in listing.content.decode()
    assert page.status_code == 200
    assert "987654321" in page.content.decode()


def test_draw_action_draws_selected_event(jinan: Region, head_office: User) -> None:
    event = make_event(capacity=1, allocation_mode=Event.AllocationMode.LOTTERY)
    register_household(event, jinan)
    register_household(event, jinan)
    event.registration_closes_at = timezone.now() - timedelta(seconds=1)
    event.save()

    logged_in(head_office).post(
        EVENTS_URL, {"action": "draw_lottery", "_selected_action": [event.pk]}
    )

    statuses = sorted(Registration.objects.values_list("status", flat=True))
    assert statuses == [Status.CONFIRMED, Status.WAITLISTED]


def test_office_sees_only_own_city_registrations(
    jinan: Region, qingdao: Region, jinan_office: User
) -> None:
    event = make_event()
    own = register_household(event, jinan)
    other = register_household(event, qingdao)

    response = logged_in(jinan_office).get(REGISTRATIONS_URL)
    other_page = logged_in(jinan_office).get(
        reverse("admin:event_registration_change", args=[other.pk])
    )

    content = response.content.decode()
    assert own.number in content
    assert other.number not in content
    assert other_page.status_code in {302, 404}


def test_office_does_not_see_other_city_event(
    qingdao: Region, jinan_office: User
) -> None:
    hidden = make_event(title="青岛专场", city=qingdao)
    shared = make_event(title="全省蛇园游")

    content = logged_in(jinan_office).get(EVENTS_URL).content.decode()

    assert shared.title in content
    assert hidden.title not in content


def test_cancel_action_promotes(jinan: Region, jinan_office: User) -> None:
    event = make_event(capacity=1)
    confirmed = register_household(event, jinan)
    waiting = register_household(event, jinan)

    logged_in(jinan_office).post(
        REGISTRATIONS_URL,
        {"action": "cancel_selected", "_selected_action": [confirmed.pk]},
    )

    confirmed.refresh_from_db()
    waiting.refresh_from_db()
    assert confirmed.status == Status.CANCELLED
    assert waiting.status == Status.CONFIRMED


def test_check_in_and_no_show_actions(jinan: Region, jinan_office: User) -> None:
    event = make_event(capacity=2)
    attended_one = register_household(event, jinan)
    absent = register_household(event, jinan)
    client = logged_in(jinan_office)

    client.post(
        REGISTRATIONS_URL,
        {"action": "check_in_selected", "_selected_action": [attended_one.pk]},
    )
    Event.objects.filter(pk=event.pk).update(
        ends_at=timezone.now() - timedelta(minutes=1)
    )
    client.post(
        EVENTS_URL, {"action": "mark_no_shows_action", "_selected_action": [event.pk]}
    )

    attended_one.refresh_from_db()
    absent.refresh_from_db()
    assert attended_one.status == Status.ATTENDED
    assert absent.status == Status.NO_SHOW


def test_check_in_dialog_by_card(jinan: Region, jinan_office: User) -> None:
    event = make_event()
    registration = register_household(event, jinan)
    url = reverse("admin:event_event_check_in_detail", args=[event.pk])

    logged_in(jinan_office).post(
        url, {"_form_submitted": "on", "card_number": registration.card.card_number}
    )

    registration.refresh_from_db()
    assert registration.status == Status.ATTENDED


def read_roster(content: bytes) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(content)).active
    return list(sheet.iter_rows(values_only=True))


def test_roster_export_respects_city_scope(
    jinan: Region, qingdao: Region, jinan_office: User
) -> None:
    event = make_event()
    own = register_household(event, jinan, seats=2)
    other = register_household(event, qingdao)

    response = logged_in(jinan_office).post(
        EVENTS_URL, {"action": "export_roster", "_selected_action": [event.pk]}
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument"
    )
    rows = read_roster(response.content)
    numbers = [row[0] for row in rows[1:]]
    assert numbers == [own.number]
    assert other.number not in numbers
    assert rows[1][8] == "同行人1、同行人2"
    assert "****" in rows[1][6]


def test_user_without_permission_cannot_open_events(jinan: Region) -> None:
    member_user = make_user("member-user", "member", [jinan])
    event = make_event(allocation_mode=Event.AllocationMode.LOTTERY)

    response = logged_in(member_user).get(EVENTS_URL)

    assert response.status_code == 403
    assert event.draws.count() == 0


def test_event_added_in_desk_gets_departure(head_office: User) -> None:
    head_office.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="event",
            codename__in=["add_event", "add_departure", "change_departure"],
        )
    )
    now = timezone.localtime()
    form = {
        "title": "健康讲座",
        "kind": "lecture",
        "status": "open",
        "capacity": "30",
        "household_seat_limit": "2",
        "allocation_mode": "first_come",
        "fee_per_person": "80.00",
        "spend_basis": "qualifying",
        "min_spend_new": "0.00",
        "min_spend_returning": "0.00",
        "departures-TOTAL_FORMS": "0",
        "departures-INITIAL_FORMS": "0",
        "fee_shares-TOTAL_FORMS": "2",
        "fee_shares-INITIAL_FORMS": "0",
        "fee_shares-0-tier": str(Tier.objects.get(code="vip").pk),
        "fee_shares-0-percent": "50",
        "fee_shares-1-tier": str(Tier.objects.get(code="health_star").pk),
        "fee_shares-1-percent": "0",
        "draws-TOTAL_FORMS": "0",
        "draws-INITIAL_FORMS": "0",
    }
    later = now + timedelta(days=1)
    for field in ["starts_at", "ends_at", "registration_opens_at"]:
        form[f"{field}_0"] = now.strftime("%Y-%m-%d")
        form[f"{field}_1"] = now.strftime("%H:%M:%S")
    form["registration_closes_at_0"] = later.strftime("%Y-%m-%d")
    form["registration_closes_at_1"] = later.strftime("%H:%M:%S")

    response = logged_in(head_office).post(reverse("admin:event_event_add"), form)

    errors = (
        response.context["adminform"].form.errors if response.status_code == 200 else {}
    )
    assert response.status_code == 302, errors
    event = Event.objects.get(title="健康讲座")
    assert [d.capacity for d in event.departures.all()] == [30]
    shares = {share.tier.code: share.percent for share in event.fee_shares.all()}
    assert shares == {"vip": Decimal("50.00"), "health_star": Decimal("0.00")}
