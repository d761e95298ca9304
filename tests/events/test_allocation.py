"""First-come allocation, the waiting list, cancellation and promotion."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from lq_crm.doctype.event.allocation import (
    NotEnoughSeatsError,
    PersonInput,
    cancel_registration,
    register,
)
from lq_crm.doctype.event.eligibility import RegistrationError
from lq_crm.doctype.event.models import Departure, Event, Registration
from lq_crm.doctype.member.models import HouseholdPerson
from lq_crm.doctype.region.models import Region
from lq_crm.notify.models import Notification
from lq_crm.workflow.models import TransitionLog

from .builders import (
    departure_of,
    make_event,
    make_household,
    persons,
    register_household,
    spend,
)

pytestmark = pytest.mark.django_db

Status = Registration.Status


def test_event_without_departures_gets_default(jinan: Region) -> None:
    event = make_event(capacity=7)

    registration = register_household(event, jinan)

    departure = departure_of(event)
    assert departure.capacity == 7
    assert registration.departure == departure


def test_confirms_while_seats_remain(jinan: Region) -> None:
    event = make_event(capacity=3)

    first = register_household(event, jinan, seats=2)
    second = register_household(event, jinan, seats=1)
    third = register_household(event, jinan, seats=1)

    assert first.status == Status.CONFIRMED
    assert second.status == Status.CONFIRMED
    assert third.status == Status.WAITLISTED
    assert third.waitlist_position == 1
    assert departure_of(event).seats_taken == 3


def test_waitlist_positions_follow_order(jinan: Region) -> None:
    event = make_event(capacity=1)
    register_household(event, jinan)

    waiting = [register_household(event, jinan) for _ in range(3)]

    assert [r.waitlist_position for r in waiting] == [1, 2, 3]
    assert all(r.status == Status.WAITLISTED for r in waiting)


def test_too_few_seats_tells_how_many_remain(jinan: Region) -> None:
    event = make_event(capacity=3)
    register_household(event, jinan, seats=2)

    with pytest.raises(NotEnoughSeatsError) as caught:
        register_household(event, jinan, seats=2)

    assert caught.value.seats_left == 1
    assert "Only 1 seats remain" in str(caught.value)
    assert Registration.objects.filter(event=event).count() == 1
    assert departure_of(event).seats_taken == 2


def test_waitlist_rest_waitlists_when_short(jinan: Region) -> None:
    event = make_event(capacity=3)
    register_household(event, jinan, seats=2)

    registration = register_household(event, jinan, seats=2, waitlist_rest=True)

    assert registration.status == Status.WAITLISTED
    assert registration.waitlist_position == 1
    assert departure_of(event).seats_taken == 2


def test_household_registers_once_per_event(jinan: Region) -> None:
    event = make_event()
    _member, card = make_household(jinan)
    first = register(event, card, persons(1))

    with pytest.raises(RegistrationError) as caught:
        register(event, card, persons(1))

    assert first.number in str(caught.value)


def test_registered_household_short_seats_told_registered(jinan: Region) -> None:
    event = make_event(capacity=3, household_seat_limit=3)
    _member, card = make_household(jinan)
    first = register(event, card, persons(2))

    with pytest.raises(RegistrationError) as caught:
        register(event, card, persons(2))

    assert "already registered" in str(caught.value)
    assert first.number in str(caught.value)
    assert departure_of(event).seats_taken == 2


def test_household_may_register_again_after_cancelling(
    jinan: Region, head_office_admin: User
) -> None:
    event = make_event()
    _member, card = make_household(jinan)
    first = register(event, card, persons(1))
    cancel_registration(first, head_office_admin)

    again = register(event, card, persons(1))

    assert again.status == Status.CONFIRMED
    first.refresh_from_db()
    assert first.member_key is None


def test_seat_limit_per_household(jinan: Region) -> None:
    event = make_event(household_seat_limit=2)

    with pytest.raises(RegistrationError) as caught:
        register_household(event, jinan, seats=3)

    assert "at most 2 persons" in str(caught.value)


def test_household_person_must_belong_to_household(jinan: Region) -> None:
    event = make_event()
    other, _card = make_household(jinan)
    stranger = HouseholdPerson.objects.create(member=other, name="李四")
    _member, card = make_household(jinan)

    with pytest.raises(RegistrationError):
        register(event, card, [PersonInput(person=stranger)])


def test_household_person_name_is_copied(jinan: Region) -> None:
    event = make_event()
    member, card = make_household(jinan)
    wife = HouseholdPerson.objects.create(member=member, name="张丽")

    registration = register(
        event, card, [PersonInput(person=wife), PersonInput("王小明")]
    )

    assert [p.name for p in registration.persons.all()] == ["张丽", "王小明"]
    assert registration.seats == 2


def test_closed_window_is_rejected(jinan: Region) -> None:
    event = make_event(registration_closes_at=timezone.now() - timedelta(minutes=1))

    with pytest.raises(RegistrationError) as caught:
        register_household(event, jinan)

    assert "open from" in str(caught.value)


def test_draft_event_is_rejected(jinan: Region) -> None:
    event = make_event(status=Event.Status.DRAFT)

    with pytest.raises(RegistrationError):
        register_household(event, jinan)


def test_cancel_confirmed_promotes_first_waiting(
    jinan: Region, head_office_admin: User
) -> None:
    event = make_event(capacity=2)
    confirmed = register_household(event, jinan, seats=2)
    first = register_household(event, jinan, seats=1)
    second = register_household(event, jinan, seats=1)

    cancel_registration(confirmed, head_office_admin, reason="生病")

    first.refresh_from_db()
    second.refresh_from_db()
    confirmed.refresh_from_db()
    assert confirmed.status == Status.CANCELLED
    assert confirmed.note == "生病"
    assert first.status == Status.CONFIRMED
    assert first.waitlist_position is None
    assert second.status == Status.CONFIRMED
    assert departure_of(event).seats_taken == 2


def test_promotion_skips_party_too_big(jinan: Region, head_office_admin: User) -> None:
    event = make_event(capacity=2)
    confirmed = register_household(event, jinan, seats=1)
    register_household(event, jinan, seats=1)
    big = register_household(event, jinan, seats=2, waitlist_rest=True)
    small = register_household(event, jinan, seats=1)

    cancel_registration(confirmed, head_office_admin)

    big.refresh_from_db()
    small.refresh_from_db()
    assert big.status == Status.WAITLISTED
    assert big.waitlist_position == 1
    assert small.status == Status.CONFIRMED
    assert departure_of(event).seats_taken == 2


def test_promotion_skips_household_no_longer_eligible(
    jinan: Region, head_office_admin: User
) -> None:
    event = make_event(capacity=1, min_spend_new=Decimal("100.00"))
    _member, card = make_household(jinan)
    spend(card, "100.00")
    confirmed = register(event, card, persons(1))
    _lapsed_member, lapsed_card = make_household(jinan)
    lapsed_slip = spend(lapsed_card, "100.00")
    lapsed = register(event, lapsed_card, persons(1))
    _next_member, next_card = make_household(jinan)
    spend(next_card, "100.00")
    following = register(event, next_card, persons(1))
    from lq_crm.doctype.slip.services import cancel_slip

    cancel_slip(lapsed_slip)
    cancel_registration(confirmed, head_office_admin)

    lapsed.refresh_from_db()
    following.refresh_from_db()
    assert lapsed.status == Status.WAITLISTED
    assert following.status == Status.CONFIRMED


def test_cancel_waitlisted_frees_no_seats(
    jinan: Region, head_office_admin: User
) -> None:
    event = make_event(capacity=1)
    register_household(event, jinan)
    waiting = register_household(event, jinan)
    behind = register_household(event, jinan)

    cancel_registration(waiting, head_office_admin)

    behind.refresh_from_db()
    assert behind.status == Status.WAITLISTED
    assert departure_of(event).seats_taken == 1


def test_cancel_twice_is_rejected(jinan: Region, head_office_admin: User) -> None:
    registration = register_household(make_event(), jinan)
    cancel_registration(registration, head_office_admin)

    with pytest.raises(RegistrationError):
        cancel_registration(registration, head_office_admin)


def test_first_departure_with_room_is_chosen(jinan: Region) -> None:
    event = make_event(capacity=4)
    bus_one = Departure.objects.create(event=event, name="1号车", capacity=1)
    bus_two = Departure.objects.create(event=event, name="2号车", capacity=3)
    register_household(event, jinan)

    registration = register_household(event, jinan, seats=2)

    assert registration.departure == bus_two
    bus_one.refresh_from_db()
    assert bus_one.seats_taken == 1


def test_transitions_are_logged_by_the_workflow(jinan: Region) -> None:
    registration = register_household(make_event(), jinan)

    actions = list(
        TransitionLog.objects.filter(document_id=str(registration.pk)).values_list(
            "action", flat=True
        )
    )

    assert actions == ["confirm"]


def test_each_outcome_queues_one_message(
    jinan: Region, head_office_admin: User
) -> None:
    event = make_event(capacity=1)
    confirmed = register_household(event, jinan)
    waiting = register_household(event, jinan)

    cancel_registration(confirmed, head_office_admin)

    keys = set(Notification.objects.values_list("key", flat=True))
    assert keys == {
        f"registration-confirmed:{confirmed.pk}",
        f"registration-waitlisted:{waiting.pk}",
        f"registration-promoted:{waiting.pk}",
    }
    waitlisted = Notification.objects.get(key=f"registration-waitlisted:{waiting.pk}")
    assert "候补名单第1位" in waitlisted.body


def transition_actions(registration: Registration) -> list[str]:
    return list(
        TransitionLog.objects.filter(document_id=str(registration.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )


def notification_keys(registration: Registration) -> set[str]:
    return set(
        Notification.objects.filter(key__endswith=f":{registration.pk}").values_list(
            "key", flat=True
        )
    )


def test_stale_room_guess_ends_waitlisted(jinan: Region) -> None:
    event = make_event(capacity=1)
    register_household(event, jinan)
    stale = Departure.objects.get(event=event)
    stale.seats_taken = 0

    registration = register_household(event, jinan, departure=stale)

    registration.refresh_from_db()
    assert registration.status == Status.WAITLISTED
    assert registration.waitlist_position == 1
    assert registration.departure_id == stale.pk
    assert transition_actions(registration) == ["waitlist"]
    assert notification_keys(registration) == {
        f"registration-waitlisted:{registration.pk}"
    }
    assert departure_of(event).seats_taken == 1


def test_stale_full_guess_ends_confirmed(
    jinan: Region, head_office_admin: User
) -> None:
    event = make_event(capacity=1)
    first = register_household(event, jinan)
    stale = Departure.objects.get(event=event)
    cancel_registration(first, head_office_admin)

    registration = register_household(event, jinan, departure=stale)

    registration.refresh_from_db()
    assert stale.seats_left == 0
    assert registration.status == Status.CONFIRMED
    assert registration.waitlist_position is None
    assert transition_actions(registration) == ["confirm"]
    assert notification_keys(registration) == {
        f"registration-confirmed:{registration.pk}"
    }
    assert departure_of(event).seats_taken == 1
