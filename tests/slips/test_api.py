from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from lq_crm.doctype.member.models import Member
from lq_crm.doctype.points.services import balance
from lq_crm.doctype.region.models import Region
from lq_crm.doctype.slip.models import PurchaseSlip

from .builders import make_household, make_store

pytestmark = pytest.mark.django_db


def token_client(user: User) -> APIClient:
    client = APIClient()
    token, _created = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def slip_body(card_number: str, receipt: str = "API-1", submit: bool = True) -> dict:
    return {
        "card_number": card_number,
        "store": "JN001",
        "receipt_number": receipt,
        "submit": submit,
        "lines": [
            {"category": "health", "amount": "199.90"},
            {"category": "cosmetics", "amount": "50.10", "quantity": 2},
        ],
    }


def test_create_and_submit_in_one_request(jinan: Region, jinan_clerk: User) -> None:
    member, card = make_household(jinan)
    make_store(jinan)

    response = token_client(jinan_clerk).post(
        "/api/slips/", slip_body(card.card_number), format="json"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "submitted"
    assert body["number"].startswith("PS-")
    assert body["total"] == "250.00"
    assert [line["points"] for line in body["lines"]] == [199, 50]
    assert balance(member) == 249


def test_resent_slip_gets_409_naming_existing(jinan: Region, jinan_clerk: User) -> None:
    member, card = make_household(jinan)
    make_store(jinan)
    client = token_client(jinan_clerk)
    first = client.post("/api/slips/", slip_body(card.card_number), format="json")

    again = client.post("/api/slips/", slip_body(card.card_number), format="json")

    assert again.status_code == 409
    assert again.json()["existing"] == first.json()["number"]
    assert PurchaseSlip.objects.count() == 1
    assert balance(member) == 249


def test_unknown_card_is_400_with_message(jinan: Region, jinan_clerk: User) -> None:
    make_store(jinan)

    response = token_client(jinan_clerk).post(
        "/api/slips/", slip_body("NOSUCHCARD"), format="json"
    )

    assert response.status_code == 400
    assert "NOSUCHCARD" in response.json()["detail"]


def test_negative_amount_is_400(jinan: Region, jinan_clerk: User) -> None:
    _member, card = make_household(jinan)
    make_store(jinan)
    body = slip_body(card.card_number)
    body["lines"][0]["amount"] = "-5.00"

    response = token_client(jinan_clerk).post("/api/slips/", body, format="json")

    assert response.status_code == 400
    assert not PurchaseSlip.objects.exists()


def test_cancel_then_amend_through_api(jinan: Region, head_office_admin: User) -> None:
    member, card = make_household(jinan)
    make_store(jinan)
    client = token_client(head_office_admin)
    slip_id = client.post(
        "/api/slips/", slip_body(card.card_number), format="json"
    ).json()["id"]

    url = f"/api/slips/{slip_id}/transition/"
    cancelled = client.post(url, {"action": "cancel", "reason": "wrong amount"})
    again = client.post(
        url, {"action": "cancel", "reason": "again"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    amended = client.post(url, {"action": "amend"})

    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["cancel_reason"] == "wrong amount"
    assert cancelled.json()["actions"] == [{"action": "amend", "label": "修正"}]
    assert again.status_code == 400
    assert "can be cancelled" in again.json()["detail"]
    assert amended.status_code == 200
    assert amended.json()["status"] == "draft"
    assert amended.json()["amended_from"] == slip_id
    assert balance(member) == 0
    member.refresh_from_db()
    assert member.qualifying_spend == Decimal("0.00")


def test_office_user_cannot_cancel(jinan: Region, head_office_admin: User) -> None:
    from tests.conftest import make_user

    office = make_user("jinan-office", "regional_office", [jinan])
    _member, card = make_household(jinan)
    make_store(jinan)
    slip_id = (
        token_client(head_office_admin)
        .post("/api/slips/", slip_body(card.card_number), format="json")
        .json()["id"]
    )

    response = token_client(office).post(
        f"/api/slips/{slip_id}/transition/", {"action": "cancel"}
    )

    assert response.status_code == 403
    assert PurchaseSlip.objects.get(pk=slip_id).status == "submitted"


def test_anonymous_request_is_refused() -> None:
    response = APIClient().get("/api/slips/")

    assert response.status_code == 401


def test_member_api_lists_points_and_tier(
    jinan: Region, head_office_admin: User
) -> None:
    member, card = make_household(jinan)
    make_store(jinan)
    client = token_client(head_office_admin)
    client.post("/api/slips/", slip_body(card.card_number), format="json")

    response = client.get("/api/members/", {"card_number": card.card_number})

    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["id"] == member.pk
    assert row["points_balance"] == 249
    assert row["tier"] == "ordinary"
    assert row["cards"] == [card.card_number]


def test_member_phone_is_normalised(jinan: Region, head_office_admin: User) -> None:
    response = token_client(head_office_admin).post(
        "/api/members/",
        {"name": "李秀英", "city": jinan.pk, "phone": "+86 139-1234-5678"},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert Member.objects.get(pk=response.json()["id"]).phone == "+8613912345678"


def test_member_phone_invalid_is_400(jinan: Region, head_office_admin: User) -> None:
    response = token_client(head_office_admin).post(
        "/api/members/",
        {"name": "李秀英", "city": jinan.pk, "phone": "12345"},
        format="json",
    )

    assert response.status_code == 400
    assert "phone" in response.json()
