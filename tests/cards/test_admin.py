"""Desk pages of card batches and cards."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from lq_crm.doctype.card.checkdigit import format_card_number
from lq_crm.doctype.card.models import Card, CardBatch
from lq_crm.exports.models import ExportRecord
from tests.cards.conftest import make_batch


def desk_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_batch_add_form_generates_cards(head_office_admin: User) -> None:
    response = desk_client(head_office_admin).post(
        "/desk/card/cardbatch/add/",
        {
            "prefix": "37",
            "width": "8",
            "first_serial": "1000",
            "quantity": "12",
            "note": "Jinan spring print run",
        },
    )

    assert response.status_code == 302, response.content[:2000]
    batch = CardBatch.objects.get()
    assert batch.cards.count() == 12
    assert batch.owner == head_office_admin
    assert batch.note == "Jinan spring print run"


def test_batch_add_form_shows_overlap(head_office_admin: User) -> None:
    existing = make_batch(first_serial=1, quantity=10)

    response = desk_client(head_office_admin).post(
        "/desk/card/cardbatch/add/",
        {"prefix": "37", "width": "8", "first_serial": "5", "quantity": "10"},
    )

    assert response.status_code == 200
    assert existing.number in response.content.decode()
    assert CardBatch.objects.count() == 1


def test_batch_add_form_shows_used_card(head_office_admin: User) -> None:
    used_number = format_card_number("90", 1, 6)
    Card.objects.create(card_number=used_number, legacy=True)

    response = desk_client(head_office_admin).post(
        "/desk/card/cardbatch/add/",
        {"prefix": "90", "width": "6", "first_serial": "1", "quantity": "2000"},
    )

    assert response.status_code == 200
    assert used_number in response.content.decode()
    assert CardBatch.objects.count() == 0


def test_batch_list_shows_counts(head_office_admin: User, issued_card: Card) -> None:
    response = desk_client(head_office_admin).get("/desk/card/cardbatch/")

    assert response.status_code == 200
    assert issued_card.batch is not None
    assert issued_card.batch.number in response.content.decode()
    row = response.context["cl"].result_list[0]
    assert row.in_stock_count == 4
    assert row.card_count == 5


def test_batch_page_links_and_exports_cards(
    head_office_admin: User, batch: CardBatch
) -> None:
    client = desk_client(head_office_admin)
    change_url = f"/desk/card/cardbatch/{batch.pk}/change/"

    page = client.get(change_url).content.decode()
    listed = client.get(f"/desk/card/card/?batch__id__exact={batch.pk}")
    export = client.get(f"/desk/card/cardbatch/{batch.pk}/export_batch_csv/")
    lines = b"".join(export.streaming_content).decode("utf-8-sig").splitlines()

    assert f"?batch__id__exact={batch.pk}" in page
    assert "export_batch_csv" in page
    assert listed.context["cl"].result_count == batch.quantity
    assert export.status_code == 200
    assert len(lines) == batch.quantity + 1


def test_batch_export_refused_to_clerk(jinan_clerk: User, batch: CardBatch) -> None:
    client = desk_client(jinan_clerk)

    page = client.get(f"/desk/card/cardbatch/{batch.pk}/change/")
    export = client.get(f"/desk/card/cardbatch/{batch.pk}/export_batch_csv/")

    assert page.status_code == 403
    assert export.status_code == 403
    assert not ExportRecord.objects.exists()


def test_batch_export_action(head_office_admin: User, batch: CardBatch) -> None:
    response = desk_client(head_office_admin).post(
        "/desk/card/cardbatch/",
        {"action": "export_csv", "_selected_action": [batch.pk]},
    )

    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeffSerial,Card number,Batch number")
    assert len(body.splitlines()) == 6


def test_card_search_and_filter(head_office_admin: User, issued_card: Card) -> None:
    client = desk_client(head_office_admin)

    searched = client.get("/desk/card/card/", {"q": issued_card.card_number})
    filtered = client.get("/desk/card/card/", {"status__exact": "issued"})

    assert searched.status_code == 200
    assert searched.context["cl"].result_count == 1
    assert filtered.context["cl"].result_count == 1


@pytest.mark.parametrize(
    ("action", "status"),
    [("report_lost", Card.Status.LOST), ("block", Card.Status.BLOCKED)],
)
def test_card_actions_change_status(
    head_office_admin: User, issued_card: Card, action: str, status: str
) -> None:
    desk_client(head_office_admin).post(
        "/desk/card/card/", {"action": action, "_selected_action": [issued_card.pk]}
    )

    issued_card.refresh_from_db()
    assert issued_card.status == status


def test_card_action_wrong_state_message(
    head_office_admin: User, issued_card: Card
) -> None:
    response = desk_client(head_office_admin).post(
        "/desk/card/card/",
        {"action": "unblock", "_selected_action": [issued_card.pk]},
        follow=True,
    )

    messages = [str(message) for message in response.context["messages"]]
    assert any("cannot be unblocked" in message for message in messages)
    issued_card.refresh_from_db()
    assert issued_card.status == Card.Status.ISSUED


def test_card_action_refused_for_clerk(jinan_clerk: User, issued_card: Card) -> None:
    desk_client(jinan_clerk).post(
        "/desk/card/card/", {"action": "block", "_selected_action": [issued_card.pk]}
    )

    issued_card.refresh_from_db()
    assert issued_card.status == Card.Status.ISSUED


def test_card_change_form_read_only(head_office_admin: User, issued_card: Card) -> None:
    client = desk_client(head_office_admin)

    client.post(
        f"/desk/card/card/{issued_card.pk}/change/",
        {"status": "blocked", "member": ""},
    )
    history = client.get(f"/desk/card/card/{issued_card.pk}/history/")

    issued_card.refresh_from_db()
    assert issued_card.status == Card.Status.ISSUED
    assert issued_card.member_id is not None
    assert history.status_code == 200
