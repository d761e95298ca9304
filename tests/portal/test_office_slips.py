"""Slip entry by card number in the office portal, and its card look-up."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test import Client
from django.urls import reverse

from lq_crm.doctype.card.models import Card
from lq_crm.doctype.card.services import CardError
from lq_crm.doctype.points.services import balance
from lq_crm.doctype.product.models import ProductCategory
from lq_crm.doctype.region.models import Region
from lq_crm.doctype.slip.models import PurchaseSlip
from lq_crm.doctype.slip.services import DuplicateReceiptError, LineInput
from lq_crm.doctype.store.models import Store
from lq_crm.portal.office.services import enter_slip
from tests.factories import CardFactory, StoreFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def jinan_store(jinan: Region) -> Store:
    return StoreFactory(city=jinan, name="济南泉城路店")


@pytest.fixture
def jinan_card(jinan: Region) -> Card:
    return CardFactory(serial=30_000_001, member__city=jinan, member__name="王建国")


@pytest.fixture
def qingdao_card(qingdao: Region) -> Card:
    return CardFactory(serial=30_000_002, member__city=qingdao, member__name="李秀英")


def client_for(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def slip_post(card: Card, store: Store, receipt: str, *amounts: str) -> dict[str, Any]:
    health = ProductCategory.objects.get(code="health")
    data: dict[str, Any] = {
        "card_number": card.card_number,
        "store": store.pk,
        "receipt_number": receipt,
        "lines-TOTAL_FORMS": str(max(len(amounts), 1)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "20",
    }
    for index, amount in enumerate(amounts):
        data[f"lines-{index}-category"] = health.pk
        data[f"lines-{index}-amount"] = amount
    return data


# Card look-up -----------------------------------------------------------------


def test_lookup_shows_masked_name_and_tier(jinan_clerk: User, jinan_card: Card) -> None:
    response = client_for(jinan_clerk).get(
        reverse("office_portal:card-lookup"), {"number": jinan_card.card_number}
    )

    data = response.json()
    assert response.status_code == 200
    assert data["name"] == "王*国"
    assert data["tier"] == jinan_card.member.tier.name
    assert data["phone"].startswith("+86139")
    assert "*" in data["phone"]
    assert data["member_number"] == jinan_card.member.number


def test_lookup_shows_name_with_personal_data_permission(
    jinan_clerk: User, jinan_card: Card
) -> None:
    jinan_clerk.user_permissions.add(
        Permission.objects.get(codename="view_personal_data")
    )

    response = client_for(jinan_clerk).get(
        reverse("office_portal:card-lookup"), {"number": jinan_card.card_number}
    )

    assert response.json()["name"] == "王建国"
    assert response.json()["phone"] == jinan_card.member.phone


def test_lookup_of_other_city_card_is_not_found(
    jinan_clerk: User, qingdao_clerk: User, jinan_card: Card, qingdao_card: Card
) -> None:
    for user, other in [(jinan_clerk, qingdao_card), (qingdao_clerk, jinan_card)]:
        response = client_for(user).get(
            reverse("office_portal:card-lookup"), {"number": other.card_number}
        )

        assert response.status_code == 404
        assert "was not found" in response.json()["error"]
        assert other.member.name[0] not in response.content.decode()


def test_lookup_of_mistyped_number_explains(jinan_clerk: User) -> None:
    response = client_for(jinan_clerk).get(
        reverse("office_portal:card-lookup"), {"number": "3712345678"}
    )

    assert response.status_code == 404
    assert "3712345678" in response.json()["error"]


def test_lookup_of_lost_card_says_so(jinan_clerk: User, jinan_card: Card) -> None:
    Card.objects.filter(pk=jinan_card.pk).update(status=Card.Status.LOST)

    response = client_for(jinan_clerk).get(
        reverse("office_portal:card-lookup"), {"number": jinan_card.card_number}
    )

    assert response.status_code == 404
    assert "Reported lost" in response.json()["error"]


# Entering slips ---------------------------------------------------------------


def test_slip_entry_submits_slip(
    jinan_clerk: User, jinan_card: Card, jinan_store: Store
) -> None:
    response = client_for(jinan_clerk).post(
        reverse("office_portal:slip-entry"),
        slip_post(jinan_card, jinan_store, "R-1001", "150.00", "49.50"),
    )

    slip = PurchaseSlip.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("office_portal:slip", args=[slip.pk])
    assert slip.status == PurchaseSlip.Status.SUBMITTED
    assert slip.source == PurchaseSlip.Source.PORTAL
    assert slip.total == Decimal("199.50")
    assert slip.clerk == jinan_clerk
    assert slip.lines.count() == 2
    assert balance(jinan_card.member) == 199


def test_slip_page_shows_lines_after_entry(
    jinan_clerk: User, jinan_card: Card, jinan_store: Store
) -> None:
    client = client_for(jinan_clerk)
    response = client.post(
        reverse("office_portal:slip-entry"),
        slip_post(jinan_card, jinan_store, "R-1002", "88.00"),
        follow=True,
    )

    content = response.content.decode()
    assert "88.00" in content
    assert "R-1002" in content
    assert "王*国" in content


def test_double_submit_creates_one_slip(
    jinan_clerk: User, jinan_card: Card, jinan_store: Store
) -> None:
    client = client_for(jinan_clerk)
    data = slip_post(jinan_card, jinan_store, "R-2001", "300.00")

    first = client.post(reverse("office_portal:slip-entry"), data)
    second = client.post(reverse("office_portal:slip-entry"), data, follow=True)

    slip = PurchaseSlip.objects.get()
    assert first["Location"] == reverse("office_portal:slip", args=[slip.pk])
    assert second.redirect_chain[-1][0] == reverse("office_portal:slip", args=[slip.pk])
    assert "Nothing was added" in second.content.decode()
    assert balance(jinan_card.member) == 300
    jinan_card.member.refresh_from_db()
    assert jinan_card.member.qualifying_spend == Decimal("300.00")


def test_same_receipt_on_other_card_is_rejected(
    jinan_clerk: User, jinan: Region, jinan_card: Card, jinan_store: Store
) -> None:
    other_card = CardFactory(serial=30_000_003, member__city=jinan)
    client = client_for(jinan_clerk)
    client.post(
        reverse("office_portal:slip-entry"),
        slip_post(jinan_card, jinan_store, "R-3001", "10.00"),
    )

    response = client.post(
        reverse("office_portal:slip-entry"),
        slip_post(other_card, jinan_store, "R-3001", "10.00"),
    )

    assert response.status_code == 200
    assert "already recorded" in str(response.context["form"].errors["receipt_number"])
    assert PurchaseSlip.objects.count() == 1


def test_other_city_card_is_rejected(
    jinan_clerk: User, qingdao_card: Card, jinan_store: Store
) -> None:
    response = client_for(jinan_clerk).post(
        reverse("office_portal:slip-entry"),
        slip_post(qingdao_card, jinan_store, "R-4001", "10.00"),
    )

    assert response.status_code == 200
    assert "was not found" in str(response.context["form"].errors["card_number"])
    assert not PurchaseSlip.objects.exists()


def test_other_city_store_is_rejected(
    jinan_clerk: User, qingdao: Region, jinan_card: Card
) -> None:
    qingdao_store = StoreFactory(city=qingdao)

    response = client_for(jinan_clerk).post(
        reverse("office_portal:slip-entry"),
        slip_post(jinan_card, qingdao_store, "R-5001", "10.00"),
    )

    assert response.status_code == 200
    assert response.context["form"].errors["store"]
    assert not PurchaseSlip.objects.exists()


def test_slip_without_lines_is_rejected(
    jinan_clerk: User, jinan_card: Card, jinan_store: Store
) -> None:
    response = client_for(jinan_clerk).post(
        reverse("office_portal:slip-entry"),
        slip_post(jinan_card, jinan_store, "R-6001"),
    )

    assert response.status_code == 200
    assert "at least one line" in str(response.context["lines"].non_form_errors())
    assert not PurchaseSlip.objects.exists()


def test_amount_with_three_decimals_is_rejected(
    jinan_clerk: User, jinan_card: Card, jinan_store: Store
) -> None:
    response = client_for(jinan_clerk).post(
        reverse("office_portal:slip-entry"),
        slip_post(jinan_card, jinan_store, "R-7001", "10.005"),
    )

    assert response.status_code == 200
    assert not PurchaseSlip.objects.exists()


def test_slip_entry_needs_submit_permission(
    jinan: Region, jinan_card: Card, jinan_store: Store
) -> None:
    from tests.conftest import make_user

    viewer = make_user("viewer", "store_clerk", [jinan])
    viewer.groups.clear()
    viewer.user_permissions.add(Permission.objects.get(codename="view_member"))

    response = client_for(viewer).post(
        reverse("office_portal:slip-entry"),
        slip_post(jinan_card, jinan_store, "R-8001", "10.00"),
    )

    assert response.status_code == 403
    assert not PurchaseSlip.objects.exists()


# Two submits at the same moment ----------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_entries_of_one_receipt_save_one_slip(jinan: Region) -> None:
    card = CardFactory(serial=30_000_009, member__city=jinan)
    store = StoreFactory(city=jinan)
    lines = [
        LineInput(
            category=ProductCategory.objects.get(code="health"), amount=Decimal("50")
        )
    ]
    results: list[str] = []
    barrier = threading.Barrier(2)

    def enter() -> None:
        try:
            barrier.wait()
            enter_slip(card, store, "R-RACE", lines, None)
            results.append("saved")
        except (DuplicateReceiptError, CardError):
            results.append("duplicate")
        finally:
            connection.close()

    threads = [threading.Thread(target=enter) for _index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == ["duplicate", "saved"]
    assert PurchaseSlip.objects.filter(receipt_number="R-RACE").count() == 1
    assert balance(card.member) == 50
