"""Signing up a household from the paper form in the office portal."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lq_crm.doctype.card.models import Card, CardBatch
from lq_crm.doctype.card.services import generate_batch
from lq_crm.doctype.member.models import Member
from lq_crm.doctype.points.services import balance
from lq_crm.doctype.product.models import ProductCategory
from lq_crm.doctype.region.models import Region
from lq_crm.doctype.slip.models import PurchaseSlip
from lq_crm.doctype.store.models import Store
from tests.conftest import make_user
from tests.factories import CardFactory, StoreFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def stock_cards(db: None) -> list[Card]:
    batch = generate_batch(
        CardBatch(prefix="37", width=8, first_serial=500, quantity=3)
    )
    return list(batch.cards.order_by("serial"))


@pytest.fixture
def jinan_office(jinan: Region) -> User:
    return make_user("jinan-office", "regional_office", [jinan])


@pytest.fixture
def qingdao_office(qingdao: Region) -> User:
    return make_user("qingdao-office", "regional_office", [qingdao])


@pytest.fixture
def jinan_store(jinan: Region) -> Store:
    return StoreFactory(city=jinan, name="济南泉城路店")


def client_for(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def sign_up_post(
    card: Card, store: Store | None, *amounts: str, **fields: Any
) -> dict[str, Any]:
    categories = list(ProductCategory.objects.order_by("position", "code"))
    data: dict[str, Any] = {
        "token": uuid4().hex,
        "name": "赵桂兰",
        "gender": "female",
        "phone": "139 1234 5678",
        "address": "历下区泉城路1号",
        "occupation": "教师",
        "age_or_birth_year": "62",
        "signup_activity": Member.SignupActivity.STORE,
        "store": store.pk if store else "",
        "venue": "",
        "consent": "on",
        "card_number": card.card_number,
        "admission_basis": Card.AdmissionBasis.QUALIFYING_SLIP,
        "admission_note": "",
        "amount": "",
        "receipt_number": "FIRST-001" if amounts else "",
        "lines-TOTAL_FORMS": str(max(len(amounts), 1)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "20",
    }
    for index, amount in enumerate(amounts):
        data[f"lines-{index}-category"] = categories[index % len(categories)].pk
        data[f"lines-{index}-amount"] = amount
    data.update(fields)
    return data


def test_sign_up_creates_household_card_and_slip(
    jinan_office: User, jinan: Region, jinan_store: Store, stock_cards: list[Card]
) -> None:
    card = stock_cards[0]

    response = client_for(jinan_office).post(
        reverse("office_portal:sign-up"),
        sign_up_post(card, jinan_store, "150.00", "80.00"),
    )

    member = Member.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("office_portal:member", args=[member.pk])
    assert member.name == "赵桂兰"
    assert member.city == jinan
    assert member.phone == "+8613912345678"
    assert member.birth_year == timezone.localdate().year - 62
    assert member.signup_activity == Member.SignupActivity.STORE
    assert member.signup_store == jinan_store
    assert member.consent_given_at is not None
    assert member.consent_method == Member.ConsentMethod.PAPER_FORM
    assert member.owner == jinan_office
    card.refresh_from_db()
    assert card.member == member
    assert card.status == Card.Status.ACTIVE
    assert card.admission_basis == Card.AdmissionBasis.QUALIFYING_SLIP
    slip = PurchaseSlip.objects.get()
    assert card.admission_slip == slip
    assert slip.status == PurchaseSlip.Status.SUBMITTED
    assert slip.total == Decimal("230.00")
    assert slip.store == jinan_store
    assert slip.source == PurchaseSlip.Source.PORTAL
    assert balance(member) > 0


def test_purchase_short_of_admission_saves_nothing(
    jinan_office: User, jinan_store: Store, stock_cards: list[Card]
) -> None:
    card = stock_cards[0]

    response = client_for(jinan_office).post(
        reverse("office_portal:sign-up"),
        sign_up_post(card, jinan_store, "120.00"),
    )

    assert response.status_code == 200
    assert "short of the admission amount" in str(
        response.context["form"].errors["amount"]
    )
    assert not Member.objects.exists()
    assert not PurchaseSlip.objects.exists()
    card.refresh_from_db()
    assert card.status == Card.Status.IN_STOCK


def test_qualifying_basis_needs_purchase(
    jinan_office: User, jinan_store: Store, stock_cards: list[Card]
) -> None:
    response = client_for(jinan_office).post(
        reverse("office_portal:sign-up"), sign_up_post(stock_cards[0], jinan_store)
    )

    assert response.status_code == 200
    assert "needs the products bought" in str(response.context["line_errors"])
    assert not Member.objects.exists()


def test_trip_photo_admits_with_small_purchase(
    jinan_office: User, jinan_store: Store, stock_cards: list[Card]
) -> None:
    card = stock_cards[1]
    data = sign_up_post(
        card,
        jinan_store,
        "35.00",
        admission_basis=Card.AdmissionBasis.TRIP_PHOTO,
        admission_note="2025年蛇园合影",
        age_or_birth_year="1960",
    )

    response = client_for(jinan_office).post(reverse("office_portal:sign-up"), data)

    assert response.status_code == 302
    card.refresh_from_db()
    assert card.admission_basis == Card.AdmissionBasis.TRIP_PHOTO
    assert card.admission_note == "2025年蛇园合影"
    slip = PurchaseSlip.objects.get()
    assert slip.card == card
    assert slip.total == Decimal("35.00")
    assert Member.objects.get().birth_year == 1960


def test_trip_photo_without_note_is_rejected(
    jinan_office: User, jinan_store: Store, stock_cards: list[Card]
) -> None:
    data = sign_up_post(
        stock_cards[0], None, admission_basis=Card.AdmissionBasis.TRIP_PHOTO
    )

    response = client_for(jinan_office).post(reverse("office_portal:sign-up"), data)

    assert response.status_code == 200
    assert "admission note is missing" in str(
        response.context["form"].errors["admission_note"]
    )
    assert not Member.objects.exists()


def test_double_submit_signs_up_once(
    jinan_office: User, jinan_store: Store, stock_cards: list[Card]
) -> None:
    client = client_for(jinan_office)
    data = sign_up_post(stock_cards[0], jinan_store, "260.00")

    first = client.post(reverse("office_portal:sign-up"), data)
    second = client.post(reverse("office_portal:sign-up"), data, follow=True)

    member = Member.objects.get()
    assert first["Location"] == reverse("office_portal:member", args=[member.pk])
    assert second.redirect_chain[-1][0] == first["Location"]
    assert "nothing was added" in second.content.decode()
    assert PurchaseSlip.objects.count() == 1


def test_second_page_with_same_card_is_rejected(
    jinan_office: User, jinan_store: Store, stock_cards: list[Card]
) -> None:
    client = client_for(jinan_office)
    client.post(
        reverse("office_portal:sign-up"),
        sign_up_post(stock_cards[0], jinan_store, "260.00"),
    )

    response = client.post(
        reverse("office_portal:sign-up"),
        sign_up_post(
            stock_cards[0], jinan_store, "260.00", name="钱学文", phone="13800000001"
        ),
    )

    assert response.status_code == 200
    assert "already issued" in str(response.context["form"].errors["card_number"])
    assert Member.objects.count() == 1


def test_issued_card_of_other_city_is_not_found(
    jinan_office: User, qingdao: Region, jinan_store: Store
) -> None:
    qingdao_card = CardFactory(serial=40_000_001, member__city=qingdao)

    response = client_for(jinan_office).post(
        reverse("office_portal:sign-up"),
        sign_up_post(qingdao_card, jinan_store, "260.00"),
    )

    assert response.status_code == 200
    errors = str(response.context["form"].errors["card_number"])
    assert "another city" in errors
    assert qingdao_card.member.name not in errors
    assert Member.objects.count() == 1


def test_other_city_store_is_rejected(
    jinan_office: User, qingdao: Region, stock_cards: list[Card]
) -> None:
    qingdao_store = StoreFactory(city=qingdao)

    response = client_for(jinan_office).post(
        reverse("office_portal:sign-up"),
        sign_up_post(stock_cards[0], qingdao_store, "260.00"),
    )

    assert response.status_code == 200
    assert response.context["form"].errors["store"]
    assert not Member.objects.exists()


def test_qingdao_office_signs_up_in_qingdao(
    qingdao_office: User, qingdao: Region, stock_cards: list[Card]
) -> None:
    store = StoreFactory(city=qingdao)

    response = client_for(qingdao_office).post(
        reverse("office_portal:sign-up"),
        sign_up_post(stock_cards[2], store, "300.00"),
    )

    assert response.status_code == 302
    assert Member.objects.get().city == qingdao


@pytest.mark.parametrize(
    ("fields", "field_name"),
    [
        ({"consent": ""}, "consent"),
        ({"phone": "12345"}, "phone"),
        ({"age_or_birth_year": "abc"}, "age_or_birth_year"),
        ({"name": ""}, "name"),
        ({"signup_activity": Member.SignupActivity.COMMUNITY}, "venue"),
    ],
)
def test_invalid_form_saves_nothing(
    fields: dict[str, str],
    field_name: str,
    jinan_office: User,
    jinan_store: Store,
    stock_cards: list[Card],
) -> None:
    data = sign_up_post(stock_cards[0], jinan_store, "260.00", **fields)

    response = client_for(jinan_office).post(reverse("office_portal:sign-up"), data)

    assert response.status_code == 200
    assert response.context["form"].errors[field_name]
    assert not Member.objects.exists()


def test_similar_household_asks_for_choice(
    jinan_office: User, jinan: Region, jinan_store: Store, stock_cards: list[Card]
) -> None:
    existing = Member.objects.create(name="赵桂兰", phone="+8613912345678", city=jinan)
    client = client_for(jinan_office)
    data = sign_up_post(stock_cards[0], jinan_store, "260.00")

    asked = client.post(reverse("office_portal:sign-up"), data)
    data["household"] = str(existing.pk)
    chosen = client.post(reverse("office_portal:sign-up"), data)

    assert asked.status_code == 200
    assert [match["id"] for match in asked.context["matches"]] == [existing.pk]
    assert chosen.status_code == 302
    assert Member.objects.count() == 1
    stock_cards[0].refresh_from_db()
    assert stock_cards[0].member == existing


def test_new_household_despite_similar_one(
    jinan_office: User, jinan: Region, jinan_store: Store, stock_cards: list[Card]
) -> None:
    Member.objects.create(name="赵桂兰", phone="+8613912345678", city=jinan)
    data = sign_up_post(stock_cards[0], jinan_store, "260.00", household="new")

    response = client_for(jinan_office).post(reverse("office_portal:sign-up"), data)

    assert response.status_code == 302
    assert Member.objects.count() == 2


def test_other_city_household_cannot_be_chosen(
    jinan_office: User, qingdao: Region, jinan_store: Store, stock_cards: list[Card]
) -> None:
    other = Member.objects.create(name="赵桂兰", city=qingdao)
    data = sign_up_post(stock_cards[0], jinan_store, "260.00", household=str(other.pk))

    response = client_for(jinan_office).post(reverse("office_portal:sign-up"), data)

    assert response.status_code == 200
    assert "was not found" in str(response.context["form"].errors)
    stock_cards[0].refresh_from_db()
    assert stock_cards[0].member is None


def test_store_clerk_may_not_sign_up(
    jinan_clerk: User, jinan_store: Store, stock_cards: list[Card]
) -> None:
    client = client_for(jinan_clerk)

    page = client.get(reverse("office_portal:sign-up"))
    response = client.post(
        reverse("office_portal:sign-up"),
        sign_up_post(stock_cards[0], jinan_store, "260.00"),
    )

    assert page.status_code == 403
    assert response.status_code == 403
    assert not Member.objects.exists()


def test_sign_up_page_offers_own_city_stores(
    jinan_office: User, qingdao_office: User, jinan: Region, qingdao: Region
) -> None:
    jinan_store = StoreFactory(city=jinan)
    qingdao_store = StoreFactory(city=qingdao)
    for user, own, other in [
        (jinan_office, jinan_store, qingdao_store),
        (qingdao_office, qingdao_store, jinan_store),
    ]:
        response = client_for(user).get(reverse("office_portal:sign-up"))

        stores = list(response.context["form"].fields["store"].queryset)
        assert response.status_code == 200
        assert stores == [own], user.username
        assert other.name not in response.content.decode()
