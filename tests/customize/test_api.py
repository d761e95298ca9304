"""Custom fields in the REST API: typed, validated, stored and documented."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from rest_framework.test import APIClient

from lq_crm.customize.models import CustomField
from lq_crm.doctype.card.models import Card
from lq_crm.doctype.event.models import Event
from lq_crm.doctype.member.models import HouseholdPerson, Member
from lq_crm.doctype.region.models import Region
from lq_crm.doctype.store.models import Store
from tests.factories import CardFactory, MemberFactory, SuperuserFactory

from .conftest import define_field, define_source_field

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(db: None) -> APIClient:
    client = APIClient()
    client.force_authenticate(SuperuserFactory())
    return client


@pytest.fixture
def member_fields(db: None) -> None:
    define_source_field(Member)
    define_field(Member, "children", label_zh="子女数", field_type="integer")
    define_field(Member, "budget", label_zh="预算", field_type="decimal")
    define_field(Member, "visited_on", label_zh="到访日期", field_type="date")
    define_field(Member, "newsletter", label_zh="订阅简报", field_type="check")


def new_member(jinan: Region, **custom: Any) -> dict[str, Any]:
    return {"name": "张伟", "city": jinan.pk, "joined_on": "2026-03-01", **custom}


def test_create_stores_typed_values(
    api: APIClient, member_fields: None, jinan: Region
) -> None:
    data = new_member(
        jinan,
        source="校园",
        children=2,
        budget="199.50",
        visited_on="2026-05-01",
        newsletter=True,
    )

    response = api.post("/api/members/", data, format="json")

    assert response.status_code == 201, response.json()
    member = Member.objects.get(pk=response.json()["id"])
    assert member.custom == {
        "source": "校园",
        "children": 2,
        "budget": "199.50",
        "visited_on": "2026-05-01",
        "newsletter": True,
    }
    body = response.json()
    assert body["source"] == "校园"
    assert body["budget"] == "199.50"
    assert body["newsletter"] is True


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("source", "网络"),
        ("children", "two"),
        ("budget", "lots"),
        ("visited_on", "01/05/2026"),
        ("newsletter", "maybe"),
    ],
)
def test_create_rejects_bad_value(
    api: APIClient, member_fields: None, jinan: Region, key: str, value: Any
) -> None:
    response = api.post(
        "/api/members/", new_member(jinan, **{key: value}), format="json"
    )

    assert response.status_code == 400
    assert key in response.json()
    assert not Member.objects.filter(name="张伟").exists()


def test_create_requires_required_field(api: APIClient, jinan: Region) -> None:
    define_source_field(Member, required=True)

    response = api.post("/api/members/", new_member(jinan), format="json")

    assert response.status_code == 400
    assert "source" in response.json()


def test_create_fills_default(api: APIClient, jinan: Region) -> None:
    define_source_field(Member, default="门店")

    response = api.post("/api/members/", new_member(jinan), format="json")

    assert response.status_code == 201
    assert Member.objects.get(pk=response.json()["id"]).custom == {"source": "门店"}


def test_patch_keeps_other_values(api: APIClient, member_fields: None) -> None:
    member = MemberFactory(custom={"source": "社区", "children": 1, "retired": "x"})

    response = api.patch(f"/api/members/{member.pk}/", {"children": 3}, format="json")

    assert response.status_code == 200, response.json()
    member.refresh_from_db()
    assert member.custom == {"source": "社区", "children": 3, "retired": "x"}


def test_patch_rejects_wrong_option(api: APIClient, member_fields: None) -> None:
    member = MemberFactory(custom={"source": "社区"})

    response = api.patch(
        f"/api/members/{member.pk}/", {"source": "网络"}, format="json"
    )

    assert response.status_code == 400
    assert "网络" in " ".join(response.json()["source"])
    member.refresh_from_db()
    assert member.custom == {"source": "社区"}


def test_patch_null_clears_value(api: APIClient, member_fields: None) -> None:
    member = MemberFactory(custom={"source": "社区", "children": 1})

    response = api.patch(
        f"/api/members/{member.pk}/", {"children": None}, format="json"
    )

    assert response.status_code == 200
    member.refresh_from_db()
    assert member.custom == {"source": "社区"}


def test_inactive_field_not_in_api(api: APIClient, member_fields: None) -> None:
    member = MemberFactory(custom={"source": "社区"})
    field = CustomField.objects.get(key="source")
    field.active = False
    field.save()

    body = api.get(f"/api/members/{member.pk}/").json()

    assert "source" not in body
    member.refresh_from_db()
    assert member.custom == {"source": "社区"}


def test_household_person_field(api: APIClient) -> None:
    define_field(HouseholdPerson, "school", label_zh="学校")
    member = MemberFactory()

    response = api.post(
        "/api/household-persons/",
        {"member": member.pk, "name": "张丽", "school": "历城二中"},
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert HouseholdPerson.objects.get(name="张丽").custom == {"school": "历城二中"}


def test_store_and_event_fields(api: APIClient, jinan: Region) -> None:
    define_field(Store, "opening_hours", label_zh="营业时间")
    store = Store.objects.create(
        code="JN01", name="济南一店", city=jinan, custom={"opening_hours": "9-21"}
    )
    define_field(Event, "bus_company", label_zh="客运公司")

    assert api.get(f"/api/stores/{store.pk}/").json()["opening_hours"] == "9-21"
    assert "bus_company" in schema_properties("Event")


def test_read_only_serializer_field(api: APIClient) -> None:
    define_field(Card, "print_run", label_zh="印刷批次")
    card = CardFactory(custom={"print_run": "2026春"})

    body = api.get(f"/api/cards/{card.pk}/").json()

    assert body["print_run"] == "2026春"


def schema_components() -> dict[str, Any]:
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    return response.json()["components"]["schemas"]


def schema_properties(component: str) -> dict[str, Any]:
    return schema_components()[component]["properties"]


def test_schema_documents_types(member_fields: None) -> None:
    components = schema_components()
    properties = components["Member"]["properties"]

    source_refs = [choice["$ref"] for choice in properties["source"]["oneOf"]]
    assert "#/components/schemas/MemberSourceEnum" in source_refs
    assert components["MemberSourceEnum"]["enum"] == [
        "门店",
        "社区",
        "校园",
        "万人游蛇园",
    ]
    assert properties["children"]["type"] == "integer"
    assert properties["budget"]["format"] == "decimal"
    assert properties["visited_on"]["format"] == "date"
    assert properties["newsletter"]["type"] == "boolean"


def test_schema_follows_definitions(member_fields: None) -> None:
    assert "wechat" not in schema_properties("Member")

    define_field(Member, "wechat", label_zh="微信号")

    assert schema_properties("Member")["wechat"]["type"] == "string"


def test_link_field(api: APIClient, jinan: Region) -> None:
    define_field(
        Member,
        "favourite_store",
        label_zh="常去门店",
        field_type="link",
        link_type=ContentType.objects.get_for_model(Store),
    )
    store = Store.objects.create(code="JN01", name="济南一店", city=jinan)

    good = api.post(
        "/api/members/", new_member(jinan, favourite_store=store.pk), format="json"
    )
    bad = api.post(
        "/api/members/", new_member(jinan, favourite_store=999999), format="json"
    )

    assert good.status_code == 201
    assert Member.objects.get(pk=good.json()["id"]).custom == {
        "favourite_store": store.pk
    }
    assert bad.status_code == 400
    assert "999999" in " ".join(bad.json()["favourite_store"])


def test_slip_created_through_api_keeps_custom_value(jinan, head_office_admin) -> None:
    from django.contrib.contenttypes.models import ContentType
    from rest_framework.test import APIClient

    from lq_crm.customize.models import CustomField
    from lq_crm.doctype.slip.models import PurchaseSlip
    from tests.slips.builders import make_household, make_store

    CustomField.objects.create(
        document_type=ContentType.objects.get_for_model(PurchaseSlip),
        key="promoter",
        label_zh="推广员",
        label_en="Promoter",
        field_type="text",
    )
    _member, card = make_household(jinan)
    make_store(jinan)
    client = APIClient()
    client.force_authenticate(head_office_admin)

    response = client.post(
        "/api/slips/",
        {
            "card_number": card.card_number,
            "store": "JN001",
            "receipt_number": "CUSTOM-1",
            "promoter": "张伟",
            "lines": [{"category": "health", "amount": "10.00"}],
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["promoter"] == "张伟"
    assert PurchaseSlip.objects.get(receipt_number="CUSTOM-1").custom == {
        "promoter": "张伟"
    }
