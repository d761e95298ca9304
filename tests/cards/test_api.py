"""The card batch and card endpoints, with their permission checks."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from lq_crm.doctype.card.checkdigit import format_card_number
from lq_crm.doctype.card.models import Card, CardBatch
from lq_crm.doctype.member.models import Member
from lq_crm.doctype.region.models import Region
from lq_crm.doctype.store.models import Store
from tests.cards.conftest import make_batch, make_member, record_slip
from tests.conftest import make_user


def client_for(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def service_centre_user(db: None) -> User:
    return make_user("service", "service_centre")


def test_batch_create_generates_cards(head_office_admin: User) -> None:
    client = client_for(head_office_admin)

    response = client.post(
        "/api/card-batches/",
        {"prefix": "37", "width": 8, "first_serial": 1, "quantity": 20},
        format="json",
    )

    assert response.status_code == 201, response.content
    batch = CardBatch.objects.get(pk=response.json()["id"])
    assert response.json()["number"] == batch.number
    assert response.json()["in_stock"] == 20
    assert response.json()["last_serial"] == 20
    assert batch.cards.count() == 20
    assert batch.owner == head_office_admin


def test_batch_overlap_returns_detail(head_office_admin: User) -> None:
    existing = make_batch(first_serial=1, quantity=10)
    client = client_for(head_office_admin)

    response = client.post(
        "/api/card-batches/",
        {"prefix": "37", "width": 8, "first_serial": 5, "quantity": 10},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["detail"]
    assert existing.number in response.json()["detail"]


def test_batch_create_refused_for_clerk(jinan_clerk: User) -> None:
    response = client_for(jinan_clerk).post(
        "/api/card-batches/",
        {"prefix": "37", "width": 8, "first_serial": 1, "quantity": 5},
        format="json",
    )

    assert response.status_code == 403
    assert not CardBatch.objects.exists()


def test_batch_list_and_retrieve(head_office_admin: User, batch: CardBatch) -> None:
    client = client_for(head_office_admin)

    listed = client.get("/api/card-batches/")
    retrieved = client.get(f"/api/card-batches/{batch.pk}/")

    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()["results"]] == [batch.pk]
    assert retrieved.status_code == 200
    assert retrieved.json()["in_stock"] == 5


def test_batch_export_streams_csv(head_office_admin: User) -> None:
    batch = make_batch(first_serial=1, quantity=3)

    response = client_for(head_office_admin).get(
        f"/api/card-batches/{batch.pk}/export/"
    )

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == ["Serial", "Card number", "Batch number"]
    assert rows[1] == ["1", format_card_number("37", 1, 8), batch.number]
    assert len(rows) == 4


def test_card_list_filters(head_office_admin: User, issued_card: Card) -> None:
    client = client_for(head_office_admin)

    by_status = client.get("/api/cards/", {"status": "issued"})
    by_number = client.get("/api/cards/", {"card_number": issued_card.card_number})
    in_stock = client.get("/api/cards/", {"status": "in_stock"})

    assert [row["id"] for row in by_status.json()["results"]] == [issued_card.pk]
    assert [row["id"] for row in by_number.json()["results"]] == [issued_card.pk]
    assert in_stock.json()["count"] == 4


def test_card_lifecycle_happy_path(
    service_centre_user: User, batch: CardBatch, member: Member
) -> None:
    client = client_for(service_centre_user)
    first, second = batch.cards.order_by("serial")[:2]

    url = f"/api/cards/{first.pk}/transition/"

    issued = client.post(
        url,
        {
            "action": "issue",
            "member": member.pk,
            "basis": "product_box",
            "note": "box shown",
        },
        format="json",
    )
    lost = client.post(url, {"action": "report_lost"})
    found = client.post(url, {"action": "found"})
    blocked = client.post(url, {"action": "block"})
    replaced = client.post(
        url,
        {"action": "replace", "new_card_number": second.card_number},
        format="json",
    )

    assert issued.status_code == 200, issued.content
    assert issued.json()["status"] == "issued"
    assert issued.json()["member"] == member.pk
    assert lost.json()["status"] == "lost"
    assert found.json()["status"] == "issued"
    assert blocked.json()["status"] == "blocked"
    assert replaced.status_code == 200, replaced.content
    assert replaced.json()["card_number"] == second.card_number
    assert replaced.json()["member"] == member.pk
    first.refresh_from_db()
    assert first.status == Card.Status.REPLACED
    assert first.replaced_by == second
    assert first.history.first().history_user == service_centre_user


def test_card_action_wrong_state_400(
    service_centre_user: User, batch: CardBatch
) -> None:
    card = batch.cards.first()
    assert card is not None

    response = client_for(service_centre_user).post(
        f"/api/cards/{card.pk}/transition/", {"action": "report_lost"}
    )

    assert response.status_code == 400
    assert list(response.json()) == ["detail"]
    assert "In stock" in response.json()["detail"]


def test_issue_short_slip_400(
    service_centre_user: User,
    issued_card: Card,
    batch: CardBatch,
    member: Member,
    store: Store,
) -> None:
    slip = record_slip(issued_card, store, "120.00", "R-120")
    client = client_for(service_centre_user)
    client.post(f"/api/cards/{issued_card.pk}/transition/", {"action": "block"})
    stock = batch.cards.filter(status=Card.Status.IN_STOCK).first()
    assert stock is not None

    response = client.post(
        f"/api/cards/{stock.pk}/transition/",
        {
            "action": "issue",
            "member": member.pk,
            "basis": "qualifying_slip",
            "slip": slip.pk,
        },
        format="json",
    )

    assert response.status_code == 400
    assert "80.00" in response.json()["detail"]


def test_replace_unknown_card_400(service_centre_user: User, issued_card: Card) -> None:
    client = client_for(service_centre_user)
    url = f"/api/cards/{issued_card.pk}/transition/"
    client.post(url, {"action": "block"})

    response = client.post(
        url,
        {"action": "replace", "new_card_number": format_card_number("99", 1, 8)},
        format="json",
    )

    assert response.status_code == 400
    assert "was not found" in response.json()["detail"]


def test_replace_mistyped_card_400(
    service_centre_user: User, issued_card: Card, batch: CardBatch
) -> None:
    client = client_for(service_centre_user)
    url = f"/api/cards/{issued_card.pk}/transition/"
    client.post(url, {"action": "block"})
    stock = batch.cards.filter(status=Card.Status.IN_STOCK).first()
    assert stock is not None
    number = stock.card_number
    typed = number[:-2] + number[-1] + number[-2]
    assert typed != number

    response = client.post(
        url,
        {"action": "replace", "new_card_number": typed},
        format="json",
    )

    assert response.status_code == 400
    assert "check digit" in response.json()["detail"]
    issued_card.refresh_from_db()
    assert issued_card.status == Card.Status.BLOCKED


@pytest.mark.parametrize("action", ["issue", "report_lost", "block", "unblock"])
def test_card_actions_refused_for_clerk(
    jinan_clerk: User, issued_card: Card, action: str
) -> None:
    response = client_for(jinan_clerk).post(
        f"/api/cards/{issued_card.pk}/transition/",
        {
            "action": action,
            "member": issued_card.member_id,
            "basis": "trip_photo",
            "note": "x",
        },
        format="json",
    )

    assert response.status_code == 403
    issued_card.refresh_from_db()
    assert issued_card.status == Card.Status.ISSUED


def test_clerk_may_read_cards(jinan_clerk: User, issued_card: Card) -> None:
    response = client_for(jinan_clerk).get(f"/api/cards/{issued_card.pk}/")

    assert response.status_code == 200
    assert response.json()["card_number"] == issued_card.card_number


def test_other_city_card_hidden(qingdao_clerk: User, issued_card: Card) -> None:
    client = client_for(qingdao_clerk)

    detail = client.get(f"/api/cards/{issued_card.pk}/")
    listed = client.get("/api/cards/", {"card_number": issued_card.card_number})

    assert detail.status_code == 404
    assert listed.json()["count"] == 0


def test_issue_to_other_city_rejected(
    batch: CardBatch, qingdao: Region, jinan: Region
) -> None:
    clerk = make_user("qingdao-service", "regional_office", [qingdao])
    jinan_household = make_member(jinan, "孙丽")
    card = batch.cards.first()
    assert card is not None

    response = client_for(clerk).post(
        f"/api/cards/{card.pk}/transition/",
        {
            "action": "issue",
            "member": jinan_household.pk,
            "basis": "trip_photo",
            "note": "photo",
        },
        format="json",
    )

    assert response.status_code == 400
    assert "outside your cities" in str(response.json())
    card.refresh_from_db()
    assert card.status == Card.Status.IN_STOCK


def test_anonymous_refused(issued_card: Card) -> None:
    response = APIClient().get("/api/cards/")

    assert response.status_code in {401, 403}
