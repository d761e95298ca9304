"""Households, a store and printed cards for the card tests."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import translation

from lq_crm.doctype.card.models import Card, CardBatch
from lq_crm.doctype.card.services import generate_batch, issue_card
from lq_crm.doctype.member.models import Member
from lq_crm.doctype.product.models import ProductCategory
from lq_crm.doctype.region.models import Region
from lq_crm.doctype.slip.models import PurchaseSlip
from lq_crm.doctype.slip.services import LineInput, create_slip, submit_slip
from lq_crm.doctype.store.models import Store


def make_batch(
    first_serial: int = 1, quantity: int = 5, prefix: str = "37", width: int = 8
) -> CardBatch:
    return generate_batch(
        CardBatch(
            prefix=prefix, width=width, first_serial=first_serial, quantity=quantity
        )
    )


def make_member(city: Region, name: str = "王芳") -> Member:
    return Member.objects.create(name=name, city=city)


def issue_by_photo(card: Card, member: Member) -> Card:
    return issue_card(
        card,
        member,
        basis=Card.AdmissionBasis.TRIP_PHOTO,
        note="2025 snake-park trip photo",
    )


def record_slip(
    card: Card, store: Store, amount: str, receipt: str, submit: bool = True
) -> PurchaseSlip:
    slip = create_slip(
        card=card,
        store=store,
        receipt_number=receipt,
        lines=[
            LineInput(
                category=ProductCategory.objects.get(code="health"),
                amount=Decimal(amount),
            )
        ],
    )
    if submit:
        slip = submit_slip(slip)
    return slip


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Check messages in English, the source language, whatever the default."""
    with override_settings(LANGUAGE_CODE="en"), translation.override("en"):
        yield


@pytest.fixture
def batch(db: None) -> CardBatch:
    return make_batch()


@pytest.fixture
def store(jinan: Region) -> Store:
    return Store.objects.create(code="JN-001", name="济南泉城店", city=jinan)


@pytest.fixture
def member(jinan: Region) -> Member:
    return make_member(jinan)


@pytest.fixture
def issued_card(batch: CardBatch, member: Member) -> Card:
    card = batch.cards.order_by("serial").first()
    assert card is not None
    return issue_by_photo(card, member)
