"""The points ledger is append-only: the desk never adds, changes or deletes."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from lq_crm.doctype.points.models import PointsLedgerEntry
from tests.factories import CardFactory, submitted_slip


@pytest.fixture
def entry(db: None) -> PointsLedgerEntry:
    submitted_slip(CardFactory(), "250.00")
    return PointsLedgerEntry.objects.get()


def test_ledger_add_rejected(admin_client: Client) -> None:
    response = admin_client.get(reverse("admin:points_pointsledgerentry_add"))

    assert response.status_code == 403


def test_ledger_change_rejected(admin_client: Client, entry: PointsLedgerEntry) -> None:
    url = reverse("admin:points_pointsledgerentry_change", args=[entry.pk])

    response = admin_client.post(url, {"points": "9999", "note": "edited"})

    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.points == 250


def test_ledger_change_page_is_view_only(
    admin_client: Client, entry: PointsLedgerEntry
) -> None:
    url = reverse("admin:points_pointsledgerentry_change", args=[entry.pk])

    response = admin_client.get(url)

    assert response.status_code == 200
    assert not response.context["has_change_permission"]


def test_ledger_delete_rejected(admin_client: Client, entry: PointsLedgerEntry) -> None:
    url = reverse("admin:points_pointsledgerentry_delete", args=[entry.pk])

    response = admin_client.post(url, {"post": "yes"})

    assert response.status_code == 403
    assert PointsLedgerEntry.objects.filter(pk=entry.pk).exists()


def test_ledger_bulk_delete_not_offered(
    admin_client: Client, entry: PointsLedgerEntry
) -> None:
    response = admin_client.post(
        reverse("admin:points_pointsledgerentry_changelist"),
        {"action": "delete_selected", "_selected_action": [str(entry.pk)]},
    )

    assert PointsLedgerEntry.objects.filter(pk=entry.pk).exists()
    assert response.status_code in {200, 302}
