"""History rows written without a reason keep an empty one, not NULL."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from lq_crm.doctype.region.models import Region
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_saved_without_reason_has_blank_reason(jinan: Region) -> None:
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
