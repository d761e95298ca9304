from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from lq_crm.doctype.event.models import Departure, Event

from .builders import make_event

pytestmark = pytest.mark.django_db


def test_registration_number_has_trg_prefix() -> None:
    from lq_crm.doctype.event.models import Registration

    assert Registration.number_prefix == "TRG"


def test_fee_shares_reject_share_above_one() -> None:
    event = make_event(fee_shares={"vip": "1.5"})

    with pytest.raises(ValidationError) as caught:
        event.clean()

    assert "fee_shares" in caught.value.message_dict


def test_fee_share_defaults_to_whole_fee() -> None:
    event = make_event(fee_shares={"vip": "0.5"})

    assert event.fee_share("vip") == Decimal("0.5")
    assert event.fee_share("ordinary") == Decimal(1)
    assert event.fee_share(None) == Decimal(1)


def test_database_rejects_seats_over_capacity() -> None:
    event = make_event()
    departure = Departure.objects.create(event=event, name="1号车", capacity=2)

    with pytest.raises(IntegrityError), transaction.atomic():
        Departure.objects.filter(pk=departure.pk).update(seats_taken=3)


def test_closing_before_opening_is_invalid() -> None:
    event = make_event()
    event.registration_closes_at = event.registration_opens_at

    with pytest.raises(ValidationError) as caught:
        event.clean()

    assert "registration_closes_at" in caught.value.message_dict
    assert Event.objects.count() == 1
