import pytest
from django.test import Client


@pytest.mark.django_db
def test_openapi_schema_lists_slip_actions(client: Client) -> None:
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/slips/" in paths
    assert "/api/slips/{id}/transition/" in paths
    assert "/api/members/" in paths


@pytest.mark.django_db
def test_docs_page_loads_assets_locally(client: Client) -> None:
    response = client.get("/api/docs/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger-ui" in page
    assert "cdn" not in page.lower()
