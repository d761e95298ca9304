"""History rows written without a reason keep an empty one, not NULL."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.test import Client

from lq_crm.doctype.region.models import Region
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

backfill = import_module("lq_crm.core.migrations.0001_blank_history_reasons")


def test_save_without_reason_blank(jinan: Region) -> None:
    member = MemberFactory(city=jinan)

    member.name = "王芳"
    member.save()

    reasons = list(member.history.values_list("history_change_reason", flat=True))
    assert reasons == ["", ""]


def test_history_page_has_no_none(jinan: Region, head_office_admin: User) -> None:
    member = MemberFactory(city=jinan)
    client = Client()
    client.force_login(head_office_admin)

    page = client.get(f"/desk/member/member/{member.pk}/history/").content.decode()

    assert "None" not in page


def test_migration_blanks_old_reasons(jinan: Region) -> None:
    member = MemberFactory(city=jinan)
    member.history.update(history_change_reason=None)
    imported = MemberFactory(city=jinan)
    imported.history.update(history_change_reason="import")

    backfill.blank_reasons(apps, None)

    assert list(member.history.values_list("history_change_reason", flat=True)) == [""]
    assert list(imported.history.values_list("history_change_reason", flat=True)) == [
        "import"
    ]
