"""Check-in by card number and no-shows after the event."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from lq_crm.doctype.event.attendance import check_in, mark_no_shows
from lq_crm.doctype.event.eligibility import RegistrationError
from lq_crm.doctype.event.models import Event, Registration
from lq_crm.doctype.region.models import Region

from .builders import make_event, make_household, persons, register_household

pytestmark = pytest.mark.django_db

Status = Registration.Status


def test_check_in_by_card_marks_attended(jinan: Region, head_office: User) -> None:
    from lq_crm.doctype.event.allocation import register

    event = make_event()
    _member, card = make_household(jinan)
    registration = register(event, card, persons(2))

    attended = check_in(event, f" {card.card_number} ", head_office)

    assert attended.pk == registration.pk
    registration.refresh_from_db()
    assert registration.status == Status.ATTENDED
    assert registration.checked_in_at is not None


def test_check_in_of_waitlisted_is_rejected(jinan: Region, head_office: User) -> None:
    from lq_crm.doctype.event.allocation import register

    event = make_event(capacity=1)
    register_household(event, jinan)
    _member, card = make_household(jinan)
    register(event, card, persons(1))

    with pytest.raises(RegistrationError) as caught:
        check_in(event, card.card_number, head_office)

    assert "Waitlisted" in str(caught.value)


def test_check_in_unknown_card_is_rejected(jinan: Region, head_office: User) -> None:
    event = make_event()

    with pytest.raises(RegistrationError) as caught:
        check_in(event, "EVT9999999", head_office)

    assert "EVT9999999" in str(caught.value)


def test_check_in_without_registration_is_rejected(
    jinan: Region, head_office: User
) -> None:
    event = make_event()
    _member, card = make_household(jinan)

    with pytest.raises(RegistrationError) as caught:
        check_in(event, card.card_number, head_office)

    assert "has no registration" in str(caught.value)


def ended(event: Event) -> Event:
    event.ends_at = timezone.now() - timedelta(minutes=1)
    event.save(update_fields=["ends_at"])
    return event


def test_no_shows_after_event(jinan: Region, head_office: User) -> None:
    event = make_event(capacity=2)
    attended_one = register_household(event, jinan)
    stayed_home = register_household(event, jinan)
    waiting = register_household(event, jinan)
    check_in(event, attended_one.card.card_number, head_office)

    marked = mark_no_shows(ended(event), head_office)

    assert marked == 1
    stayed_home.refresh_from_db()
    waiting.refresh_from_db()
    assert stayed_home.status == Status.NO_SHOW
    assert waiting.status == Status.WAITLISTED


def test_no_shows_before_end_are_rejected(jinan: Region, head_office: User) -> None:
    event = make_event()
    register_household(event, jinan)

    with pytest.raises(RegistrationError):
        mark_no_shows(event, head_office)


def test_attended_trip_makes_household_returning(
    jinan: Region, head_office: User
) -> None:
    from decimal import Decimal

    from lq_crm.doctype.event.allocation import register
    from lq_crm.doctype.event.eligibility import is_returning

    member, card = make_household(jinan)
    earlier = make_event()
    register(earlier, card, persons(1))
    check_in(earlier, card.card_number, head_office)
    later = make_event(
        starts_at=earlier.starts_at + timedelta(days=365),
        ends_at=earlier.ends_at + timedelta(days=365),
        min_spend_new=Decimal("1.00"),
    )

    assert is_returning(member, later)
