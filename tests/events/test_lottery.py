"""Lottery draws: reproducible, replacing on re-draw, one win per household."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from lq_crm.doctype.event.allocation import cancel_registration
from lq_crm.doctype.event.eligibility import RegistrationError
from lq_crm.doctype.event.lottery import draw, draw_order
from lq_crm.doctype.event.models import Departure, Event, LotteryDraw, Registration
from lq_crm.doctype.region.models import Region
from lq_crm.notify.models import Notification

from .builders import make_event, register_household

pytestmark = pytest.mark.django_db

Status = Registration.Status


def lottery_event(capacity: int = 3) -> Event:
    return make_event(capacity=capacity, allocation_mode=Event.AllocationMode.LOTTERY)


def close_registration(event: Event) -> None:
    event.registration_closes_at = timezone.now() - timedelta(seconds=1)
    event.save(update_fields=["registration_closes_at"])


def registered(event: Event, city: Region, count: int) -> list[Registration]:
    registrations = [register_household(event, city) for _ in range(count)]
    close_registration(event)
    return registrations


def statuses(event: Event) -> dict[int, str]:
    return dict(Registration.objects.filter(event=event).values_list("pk", "status"))


def test_registrations_wait_for_the_draw(jinan: Region) -> None:
    event = lottery_event()

    registration = register_household(event, jinan)

    assert registration.status == Status.REGISTERED
    assert registration.departure is None
    assert Notification.objects.count() == 0


def test_draw_confirms_winners_and_waitlists_losers(jinan: Region) -> None:
    event = lottery_event(capacity=3)
    registered(event, jinan, 8)

    [result] = draw(event, seed=42)

    departure = Departure.objects.get(event=event)
    confirmed = Registration.objects.filter(event=event, status=Status.CONFIRMED)
    assert sorted(confirmed.values_list("pk", flat=True)) == sorted(result.winners)
    assert confirmed.count() == 3
    assert departure.seats_taken == 3
    assert result.seed == 42
    assert result.result[:3] == result.winners
    losers = Registration.objects.filter(event=event, status=Status.WAITLISTED)
    by_position = list(
        losers.order_by("waitlist_position").values_list("pk", flat=True)
    )
    assert by_position == result.result[3:]
    assert (
        Notification.objects.filter(key__startswith="registration-lottery_won").count()
        == 3
    )
    assert (
        Notification.objects.filter(key__startswith="registration-lottery_lost").count()
        == 5
    )


def test_same_seed_gives_same_winners(jinan: Region) -> None:
    event = lottery_event(capacity=3)
    registrations = registered(event, jinan, 10)
    ids = [r.pk for r in registrations]

    [first] = draw(event, seed=20260501)
    first_winners = list(first.winners)
    [again] = draw(event, seed=20260501)

    assert again.winners == first_winners
    assert draw_order(ids, 20260501) == again.result
    assert draw_order(list(reversed(ids)), 20260501) == again.result


def test_other_seed_gives_other_order(jinan: Region) -> None:
    ids = list(range(1, 41))

    assert draw_order(ids, 1) != draw_order(ids, 2)


def test_redraw_replaces_earlier_result(jinan: Region) -> None:
    event = lottery_event(capacity=2)
    registered(event, jinan, 6)
    draw(event, seed=1)

    [second] = draw(event, seed=2)

    assert LotteryDraw.objects.filter(event=event).count() == 1
    assert second.rounds == 2
    assert second.seed == 2
    departure = Departure.objects.get(event=event)
    assert departure.seats_taken == 2
    confirmed = Registration.objects.filter(event=event, status=Status.CONFIRMED)
    assert sorted(confirmed.values_list("pk", flat=True)) == sorted(second.winners)
    positions = Registration.objects.filter(event=event, status=Status.WAITLISTED)
    assert sorted(positions.values_list("waitlist_position", flat=True)) == [1, 2, 3, 4]


def test_second_departure_draws_only_undrawn(jinan: Region) -> None:
    event = lottery_event(capacity=4)
    bus_one = Departure.objects.create(event=event, name="1号车", capacity=2)
    bus_two = Departure.objects.create(event=event, name="2号车", capacity=2)
    registered(event, jinan, 6)

    first = draw(bus_one, seed=7)[0]
    undrawn = set(
        Registration.objects.filter(event=event, lottery_draw__isnull=True).values_list(
            "pk", flat=True
        )
    )
    second = draw(bus_two, seed=7)[0]

    assert undrawn == set()
    assert len(first.candidates) == 6
    assert second.candidates == []


def test_departure_preference_splits_the_pool(jinan: Region) -> None:
    event = lottery_event(capacity=4)
    bus_one = Departure.objects.create(event=event, name="1号车", capacity=1)
    bus_two = Departure.objects.create(event=event, name="2号车", capacity=1)
    from lq_crm.doctype.event.allocation import register

    from .builders import make_household, persons

    for bus in (bus_one, bus_one, bus_two, bus_two):
        _member, card = make_household(jinan)
        register(event, card, persons(1), departure=bus)
    close_registration(event)

    first, second = draw(event, seed=3)

    assert len(first.candidates) == 2
    assert len(second.candidates) == 2
    assert set(first.candidates).isdisjoint(second.candidates)
    winners = first.winners + second.winners
    assert len(winners) == len(set(winners)) == 2


def test_draw_before_window_closes_is_rejected(jinan: Region) -> None:
    event = lottery_event()
    register_household(event, jinan)

    with pytest.raises(RegistrationError) as caught:
        draw(event, seed=1)

    assert "closes at" in str(caught.value)


def test_first_come_event_has_no_lottery(jinan: Region) -> None:
    event = make_event()
    register_household(event, jinan)
    close_registration(event)

    with pytest.raises(RegistrationError):
        draw(event, seed=1)


def test_cancelled_winner_seat_goes_to_first_loser(
    jinan: Region, head_office_admin: User
) -> None:
    event = lottery_event(capacity=2)
    registered(event, jinan, 5)
    [result] = draw(event, seed=11)
    winner = Registration.objects.get(pk=result.winners[0])

    cancel_registration(winner, head_office_admin)

    first_loser = Registration.objects.get(pk=result.result[2])
    assert first_loser.status == Status.CONFIRMED
    assert Departure.objects.get(event=event).seats_taken == 2
    assert Notification.objects.filter(
        key=f"registration-promoted:{first_loser.pk}"
    ).exists()
