"""Builders for event tests: open events, households with spend, registrations."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from itertools import count
from typing import Any

from django.utils import timezone

from lq_crm.doctype.card.models import Card
from lq_crm.doctype.event.allocation import PersonInput, register
from lq_crm.doctype.event.models import Departure, Event, Registration
from lq_crm.doctype.member.models import Member
from lq_crm.doctype.product.models import ProductCategory
from lq_crm.doctype.region.models import Region
from lq_crm.doctype.slip.models import PurchaseSlip
from lq_crm.doctype.slip.services import LineInput, create_slip, submit_slip
from lq_crm.doctype.store.models import Store

sequence = count(1)


def make_event(**fields: Any) -> Event:
    """Create an open first-come trip whose registration window contains now."""
    now = timezone.now()
    values: dict[str, Any] = {
        "title": "万人游蛇园",
        "kind": Event.Kind.TRIP,
        "venue": "隆力奇蛇园",
        "starts_at": now + timedelta(days=30),
        "ends_at": now + timedelta(days=30, hours=10),
        "registration_opens_at": now - timedelta(days=1),
        "registration_closes_at": now + timedelta(days=10),
        "capacity": 5,
        "household_seat_limit": 3,
        "status": Event.Status.OPEN,
    }
    values.update(fields)
    return Event.objects.create(**values)


def make_household(city: Region, name: str = "王建国") -> tuple[Member, Card]:
    serial = next(sequence)
    member = Member.objects.create(name=name, city=city, phone="+8613912345678")
    card = Card.objects.create(
        card_number=f"EVT{serial:07d}",
        member=member,
        status=Card.Status.ACTIVE,
        legacy=True,
    )
    return member, card


def make_store(city: Region) -> Store:
    store, _created = Store.objects.get_or_create(
        code=f"EV{city.pk}", defaults={"name": "活动测试门店", "city": city}
    )
    return store


def spend(
    card: Card,
    amount: str,
    purchased_at: datetime | None = None,
    category: str = "health",
) -> PurchaseSlip:
    """Create and submit a one-line slip on ``card``."""
    slip = create_slip(
        card=card,
        store=make_store(card.member.city),
        receipt_number=f"EV{next(sequence):08d}",
        lines=[
            LineInput(
                category=ProductCategory.objects.get(code=category),
                amount=Decimal(amount),
            )
        ],
        purchased_at=purchased_at,
    )
    return submit_slip(slip)


def persons(count_: int) -> list[PersonInput]:
    return [PersonInput(name=f"同行人{index}") for index in range(1, count_ + 1)]


def register_household(
    event: Event, city: Region, seats: int = 1, **options: Any
) -> Registration:
    _member, card = make_household(city)
    return register(event, card, persons(seats), **options)


def departure_of(event: Event) -> Departure:
    return Departure.objects.get(event=event)
