"""The shortcuts of slip submission (memo, spend increment) keep its results."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from lq_crm.doctype.club import reference
from lq_crm.doctype.member.models import Member
from lq_crm.doctype.product.models import ProductCategory
from lq_crm.doctype.region.models import Region
from lq_crm.doctype.slip.models import PurchaseSlip
from lq_crm.doctype.slip.services import recompute_spend
from lq_crm.doctype.store.models import Store
from lq_crm.doctype.tier.models import TierChange

from .builders import make_household, make_store, submitted_slip
from .test_api import slip_body, token_client

pytestmark = pytest.mark.django_db


def test_create_response_matches_detail(jinan: Region, jinan_clerk: User) -> None:
    _member, card = make_household(jinan)
    make_store(jinan)
    client = token_client(jinan_clerk)

    created = client.post("/api/slips/", slip_body(card.card_number), format="json")
    detail = client.get(f"/api/slips/{created.json()['id']}/")

    assert created.status_code == 201, created.content
    assert detail.status_code == 200, detail.content
    detail_body = detail.json()
    detail_body.pop("actions", None)
    assert created.json() == detail_body


def test_api_slip_one_history_row(jinan: Region, jinan_clerk: User) -> None:
    _member, card = make_household(jinan)
    make_store(jinan)

    response = token_client(jinan_clerk).post(
        "/api/slips/", slip_body(card.card_number), format="json"
    )

    assert response.status_code == 201, response.content
    rows = PurchaseSlip.history.filter(id=response.json()["id"])
    assert rows.count() == 1
    assert rows.get().status == PurchaseSlip.Status.SUBMITTED


def test_added_spend_equals_recount(jinan: Region) -> None:
    member, card = make_household(jinan)
    store = make_store(jinan)
    for amount in ("120.50", "0.00", "379.49", "600.01"):
        submitted_slip(card, store, amount)

    member.refresh_from_db()
    stored = member.qualifying_spend

    assert stored == Decimal("1100.00")
    assert recompute_spend(member) == stored


def test_tier_change_recorded_once(jinan: Region) -> None:
    member, card = make_household(jinan)
    store = make_store(jinan)

    slip = submitted_slip(card, store, "5000.00")

    changes = TierChange.objects.filter(member=member, slip=slip)
    assert changes.count() == 1
    member.refresh_from_db()
    assert member.tier_id == changes.get().to_tier_id


def test_no_member_history_per_slip(jinan: Region) -> None:
    member, card = make_household(jinan)
    store = make_store(jinan)
    before = Member.history.filter(id=member.pk).count()

    slip = submitted_slip(card, store, "10.00")

    assert Member.history.filter(id=member.pk).count() == before
    assert PurchaseSlip.history.filter(id=slip.pk).count() == 2


def test_memo_reloads_after_saved_change(
    django_capture_on_commit_callbacks: pytest.FixtureRequest,
) -> None:
    rate = reference.categories_by_code()["health"].point_rate
    category = ProductCategory.objects.get(code="health")

    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        category.point_rate = rate + 1
        category.save()

    assert reference.categories_by_code()["health"].point_rate == rate + 1


def test_memo_bypassed_inside_changing_transaction(jinan: Region) -> None:
    assert "NEW01" not in reference.stores_by_code()

    Store.objects.create(code="NEW01", name="新门店", city=jinan)

    assert "NEW01" in reference.stores_by_code()


def test_other_city_store_not_found(
    jinan: Region, qingdao: Region, jinan_clerk: User
) -> None:
    _member, card = make_household(jinan)
    make_store(jinan)
    make_store(qingdao, code="QD001")
    body = {**slip_body(card.card_number), "store": "QD001"}

    response = token_client(jinan_clerk).post(
        "/api/slips/", body, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 400
    assert "QD001 was not found" in response.json()["store"][0]
