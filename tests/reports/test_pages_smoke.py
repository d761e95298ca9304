from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/desk/reports/",
        "/desk/reports/signups/",
        "/desk/reports/sales/",
        "/desk/reports/tiers/",
        "/desk/reports/cross/",
        "/desk/reports/segments/",
        "/desk/reports/events/",
        "/desk/reports/activities/",
        "/desk/reports/households/",
        "/desk/reports/slips/",
    ],
)
def test_page_renders(club, head_office_admin, path):
    client = Client()
    client.force_login(head_office_admin)
    response = client.get(path, {"first_month": "2025-10", "last_month": "2026-04"})
    assert response.status_code == 200
