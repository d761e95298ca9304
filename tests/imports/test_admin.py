"""The import record admin is read-only."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from lq_crm.imports.models import ImportRecord

pytestmark = pytest.mark.django_db


def test_import_record_admin_read_only(client: Client) -> None:
    admin = User.objects.create_superuser("root", password="secret-pass-1")
    record = ImportRecord.objects.create(
        kind="slips", profile="cdnow", file_name="CDNOW_master.txt", checksum="0" * 64
    )
    client.force_login(admin)

    listing = client.get("/desk/imports/importrecord/")
    detail = client.get(f"/desk/imports/importrecord/{record.pk}/change/")
    add = client.get("/desk/imports/importrecord/add/")

    assert listing.status_code == 200
    assert b"CDNOW_master.txt" in listing.content
    assert detail.status_code == 200
    assert b'name="_save"' not in detail.content
    assert add.status_code == 403
