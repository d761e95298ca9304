from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from lq_crm.doctype.event.models import Departure, Event, EventFeeShare
from lq_crm.doctype.tier.models import Tier

from .builders import make_event

pytestmark = pytest.mark.django_db


def test_registration_number_has_trg_prefix() -> None:
    from lq_crm.doctype.event.models import Registration

    assert Registration.number_prefix == "TRG"


def test_fee_share_rejects_percent_above_hundred() -> None:
    share = EventFeeShare(
        event=make_event(), tier=Tier.objects.get(code="vip"), percent=Decimal("150")
    )

    with pytest.raises(ValidationError) as caught:
        share.full_clean()

    assert "percent" in caught.value.message_dict


def test_database_rejects_negative_fee_share() -> None:
    event = make_event()

    with pytest.raises(IntegrityError), transaction.atomic():
        EventFeeShare.objects.create(
            event=event, tier=Tier.objects.get(code="vip"), percent=Decimal("-1")
        )


def test_one_fee_share_per_tier() -> None:
    event = make_event()
    vip = Tier.objects.get(code="vip")
    EventFeeShare.objects.create(event=event, tier=vip, percent=Decimal("50"))

    with pytest.raises(IntegrityError), transaction.atomic():
        EventFeeShare.objects.create(event=event, tier=vip, percent=Decimal("40"))


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
