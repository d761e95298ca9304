"""The keying screen and its JSON endpoints through Django's test client."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from lq_crm.doctype.card.models import Card
from lq_crm.doctype.member.models import Member
from lq_crm.doctype.region.models import Region
from lq_crm.doctype.slip.models import PurchaseSlip
from lq_crm.doctype.store.models import Store
from tests.conftest import make_user
from tests.factories import CardFactory, MemberFactory
from tests.keying.conftest import health, mistyped

pytestmark = pytest.mark.django_db

SCREEN = "/desk/keying/"


def client_for(user: User) -> Client:
    """Log the user in, requesting English pages so that tests can match messages."""
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def post_data(store: Store, card: Card, **changes: str) -> dict[str, Any]:
    data = {
        "token": uuid.uuid4().hex,
        "name": "王秀英",
        "gender": "female",
        "address": "济南市历下区泉城路12号",
        "city": "",
        "district": "",
        "city_source": "",
        "phone": "13912340001",
        "occupation": "教师",
        "age_or_birth_year": "45",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "20",
        "lines-0-category": str(health().pk),
        "lines-0-product": "",
        "lines-0-amount": "268",
        "lines-1-category": "",
        "lines-1-product": "",
        "lines-1-amount": "",
        "amount": "268",
        "receipt_number": "",
        "card_number": card.card_number,
        "admission_basis": "qualifying_slip",
        "admission_note": "",
        "signup_activity": "store",
        "store": str(store.pk),
        "venue": "",
        "form_date": "",
        "consent": "on",
        "household": "",
    }
    data.update(changes)
    return data


@pytest.fixture
def qingdao_office(qingdao: Region) -> User:
    return make_user("qingdao-office", "regional_office", [qingdao])


def test_screen_renders_in_desk(jinan_office: User) -> None:
    response = client_for(jinan_office).get(SCREEN)

    assert response.status_code == 200
    content = response.content.decode()
    assert 'id="paper-form"' in content
    assert "keying/keying.js" in content
    # The desk's sidebar and header come from admin.site.each_context.
    assert response.context["site_header"]
    assert "available_apps" in response.context
    assert 'name="name"' in content


def test_screen_requires_login() -> None:
    response = Client().get(SCREEN)

    assert response.status_code == 302
    assert "/desk/login/" in response["Location"]


def test_screen_forbidden_without_rights(jinan: Region) -> None:
    member_user = make_user("household-user", "member", [jinan])

    assert client_for(member_user).get(SCREEN).status_code == 403
    for endpoint in ["region-proposal/", "card-check/", "household-matches/"]:
        assert client_for(member_user).get(SCREEN + endpoint).status_code == 403


def test_city_choices_follow_scope(
    jinan_clerk: User, qingdao_clerk: User, jinan: Region, qingdao: Region
) -> None:
    jinan_form = client_for(jinan_clerk).get(SCREEN).context["form"]
    qingdao_form = client_for(qingdao_clerk).get(SCREEN).context["form"]

    assert list(jinan_form.fields["city"].queryset) == [jinan]
    assert list(qingdao_form.fields["city"].queryset) == [qingdao]
    assert jinan_form.initial["city"] == jinan
    assert all(
        district.parent_id == qingdao.pk
        for district in qingdao_form.fields["district"].queryset
    )


def test_store_choices_follow_scope(
    jinan_clerk: User, jinan_store: Store, qingdao_store: Store
) -> None:
    stores = client_for(jinan_clerk).get(SCREEN).context["form"].fields["store"]

    assert jinan_store in stores.queryset
    assert qingdao_store not in stores.queryset


def test_jinan_office_saves_form(
    jinan_office: User, jinan_store: Store, card_in_stock: Card, jinan: Region
) -> None:
    client = client_for(jinan_office)

    response = client.post(SCREEN, post_data(jinan_store, card_in_stock))

    assert response.status_code == 302
    member = Member.objects.get()
    assert member.city == jinan
    assert PurchaseSlip.objects.get().member == member
    page = client.get(response["Location"]).content.decode()
    assert member.number in page
    assert card_in_stock.card_number in page


def test_qingdao_office_saves_form(
    qingdao_office: User, qingdao_store: Store, card_in_stock: Card, qingdao: Region
) -> None:
    data = post_data(qingdao_store, card_in_stock, address="青岛市市南区香港中路9号")

    response = client_for(qingdao_office).post(SCREEN, data)

    assert response.status_code == 302
    member = Member.objects.get()
    assert member.city == qingdao
    assert member.district is not None
    assert member.district.name == "市南区"


def test_qingdao_office_cannot_key_jinan_form(
    qingdao_office: User, qingdao_store: Store, card_in_stock: Card
) -> None:
    response = client_for(qingdao_office).post(
        SCREEN, post_data(qingdao_store, card_in_stock)
    )

    assert response.status_code == 200
    assert Member.objects.count() == 0
    assert "city" in response.context["form"].errors


def test_jinan_office_cannot_post_qingdao_city(
    jinan_office: User, jinan_store: Store, card_in_stock: Card, qingdao: Region
) -> None:
    data = post_data(jinan_store, card_in_stock, city=str(qingdao.pk))

    response = client_for(jinan_office).post(SCREEN, data)

    assert response.status_code == 200
    assert Member.objects.count() == 0
    assert "city" in response.context["form"].errors


def test_error_keeps_typed_values(
    jinan_office: User, jinan_store: Store, card_in_stock: Card
) -> None:
    wrong = mistyped(card_in_stock.card_number)
    data = post_data(jinan_store, card_in_stock, card_number=wrong)

    response = client_for(jinan_office).post(SCREEN, data)

    assert response.status_code == 200
    form = response.context["form"]
    assert "check digit" in form.errors["card_number"][0]
    content = response.content.decode()
    assert f'value="{wrong}"' in content
    assert 'value="王秀英"' in content
    assert 'value="济南市历下区泉城路12号"' in content
    assert f'value="{data["token"]}"' in content
    assert response.context["lines"].forms[0]["amount"].value() == "268"
    assert Member.objects.count() == 0


def test_double_post_saves_once(
    jinan_office: User, jinan_store: Store, card_in_stock: Card
) -> None:
    client = client_for(jinan_office)
    data = post_data(jinan_store, card_in_stock)

    first = client.post(SCREEN, data)
    second = client.post(SCREEN, data)

    assert first.status_code == 302
    assert second.status_code == 302
    assert Member.objects.count() == 1
    assert PurchaseSlip.objects.count() == 1
    assert "already saved" in client.get(SCREEN).content.decode()


def test_existing_household_shown_then_updated(
    jinan_office: User, jinan_store: Store
) -> None:
    existing = MemberFactory(name="王秀英", phone="+8613912340001")
    card = CardFactory(member=existing)
    client = client_for(jinan_office)
    data = post_data(jinan_store, card)

    warned = client.post(SCREEN, data)

    assert warned.status_code == 200
    assert [match.member for match in warned.context["matches"]] == [existing]
    content = warned.content.decode()
    assert existing.number in content
    assert "+86139****0001" in content

    data["household"] = str(existing.pk)
    saved = client.post(SCREEN, data)

    assert saved.status_code == 302
    assert Member.objects.count() == 1
    assert PurchaseSlip.objects.get().member == existing


def test_region_proposal_endpoint(jinan_clerk: User, qingdao_clerk: User) -> None:
    url = SCREEN + "region-proposal/"

    own = client_for(jinan_clerk).get(url, {"address": "历下区泉城路"}).json()
    other = client_for(qingdao_clerk).get(url, {"address": "历下区泉城路"}).json()

    assert own["city"]["name"] == "济南市"
    assert own["district"]["name"] == "历下区"
    assert own["outside_scope"] is False
    assert other["outside_scope"] is True
    assert "outside your cities" in other["message"]


def test_card_check_endpoint(jinan_clerk: User, card_in_stock: Card) -> None:
    url = SCREEN + "card-check/"
    client = client_for(jinan_clerk)

    good = client.get(url, {"number": card_in_stock.card_number}).json()
    wrong = client.get(url, {"number": mistyped(card_in_stock.card_number)}).json()

    assert good["state"] == "in_stock"
    assert good["usable"] is True
    assert wrong["state"] == "mistyped"
    assert wrong["usable"] is False
    assert "check digit" in wrong["message"]


def test_card_check_hides_other_city_household(
    jinan_clerk: User, qingdao_clerk: User
) -> None:
    card = CardFactory()
    url = SCREEN + "card-check/"

    own = client_for(jinan_clerk).get(url, {"number": card.card_number}).json()
    other = client_for(qingdao_clerk).get(url, {"number": card.card_number}).json()

    assert own["state"] == "issued"
    assert card.member.number in own["message"]
    assert other["state"] == "issued"
    assert card.member.number not in other["message"]
    assert "another city" in other["message"]


def test_matches_endpoint_masks_and_scopes(
    jinan_clerk: User, qingdao_clerk: User, service_clerk: User
) -> None:
    existing = MemberFactory(
        name="王秀英", phone="+8613912340001", address="历下区泉城路12号"
    )
    url = SCREEN + "household-matches/"
    query = {"name": "王秀英", "phone": "13912340001", "address": "", "city": ""}

    masked = client_for(jinan_clerk).get(url, query).json()["matches"]
    clear = client_for(service_clerk).get(url, query).json()["matches"]
    hidden = client_for(qingdao_clerk).get(url, query).json()["matches"]

    assert [match["number"] for match in masked] == [existing.number]
    assert masked[0]["phone"] == "+86139****0001"
    assert masked[0]["address"] == "济南市"
    assert clear[0]["phone"] == "+8613912340001"
    assert clear[0]["address"] == "历下区泉城路12号"
    assert hidden == []
