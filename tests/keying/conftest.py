"""Cards in stock, stores and paper forms for the keying tests."""

from __future__ import annotations

import uuid
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User

from lq_crm.doctype.card.models import Card
from lq_crm.doctype.product.models import ProductCategory
from lq_crm.doctype.region.models import Region
from lq_crm.doctype.store.models import Store
from lq_crm.keying.paper import PaperForm, PaperLine
from tests.conftest import make_user
from tests.factories import CardFactory, StoreFactory, card_number_for


def stock_card(serial: int) -> Card:
    return CardFactory(
        serial=serial,
        card_number=card_number_for(serial),
        status=Card.Status.IN_STOCK,
        member=None,
        issued_at=None,
        admission_basis="",
    )


def mistyped(number: str) -> str:
    """Return the number with its check digit changed, so the Damm check fails."""
    wrong = (int(number[-1]) + 1) % 10
    return f"{number[:-1]}{wrong}"


def health() -> ProductCategory:
    return ProductCategory.objects.get(code="health")


def paper_form(store: Store | None, card: Card, **changes: Any) -> PaperForm:
    """Return a filled-in form of a Jinan household buying ¥268 of supplements."""
    form = PaperForm(
        token=uuid.uuid4().hex,
        name="王秀英",
        gender="female",
        address="济南市历下区泉城路12号",
        phone="139 1234 0001",
        occupation="教师",
        age_or_birth_year="45",
        lines=[PaperLine(category=health(), amount=Decimal("268.00"))],
        amount=Decimal("268.00"),
        card_number=card.card_number,
        signup_activity="store",
        store=store,
        consent=True,
    )
    return replace(form, **changes)


@pytest.fixture
def jinan_store(jinan: Region) -> Store:
    return StoreFactory(city=jinan, name="泉城路店")


@pytest.fixture
def qingdao_store(qingdao: Region) -> Store:
    return StoreFactory(city=qingdao, name="香港中路店")


@pytest.fixture
def card_in_stock(db: None) -> Card:
    return stock_card(20_000_001)


@pytest.fixture
def jinan_office(jinan: Region) -> User:
    """A Jinan regional office user who may change households but not read
    their phone and address unmasked."""
    return make_user("jinan-office", "regional_office", [jinan])


@pytest.fixture
def service_clerk(db: None) -> User:
    """A service centre user with every city and personal data in clear."""
    return make_user("service-clerk", "service_centre")
