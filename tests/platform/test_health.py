import pytest
from django.test import Client


@pytest.mark.django_db
def test_health_reports_database_and_redis(client: Client) -> None:
    response = client.get("/health/")

    assert response.status_code == 200
    report = response.json()
    assert report["database"] == "ok"
    assert report["redis"] == "ok"
    assert report["status"] == "ok"
