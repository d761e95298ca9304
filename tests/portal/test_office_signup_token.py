"""Office sign-up page: a form token copied from another user shows nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from lq_crm.doctype.card.models import Card
from lq_crm.doctype.member.models import Member
from lq_crm.doctype.region.models import Region
from tests.factories import StoreFactory

from .test_office_signup import (  # noqa: F401
    client_for,
    jinan_office,
    qingdao_office,
    sign_up_post,
    stock_cards,
)

pytestmark = pytest.mark.django_db


def test_copied_token_asks_for_reload(
    jinan_office: User,  # noqa: F811
    qingdao_office: User,  # noqa: F811
    qingdao: Region,
    stock_cards: list[Card],  # noqa: F811
) -> None:
    qingdao_store = StoreFactory(city=qingdao, name="青岛香港中路店")
    qingdao_data = sign_up_post(stock_cards[0], qingdao_store, "300.00")
    saved = client_for(qingdao_office).post(
        reverse("office_portal:sign-up"), qingdao_data
    )
    assert saved.status_code == 302
    qingdao_member = Member.objects.get(city=qingdao)

    jinan_data = sign_up_post(stock_cards[1], None, token=qingdao_data["token"])
    response = client_for(jinan_office).post(
        reverse("office_portal:sign-up"), jinan_data
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "already saved by another user" in page
    assert qingdao_member.number not in page
    assert stock_cards[0].card_number not in page
    assert Member.objects.count() == 1
