import pytest
from django.contrib.auth.models import User
from django.test import Client

from lq_crm.doctype.points.services import balance
from lq_crm.doctype.region.models import Region
from lq_crm.doctype.slip.models import PurchaseSlip

from .builders import make_household, make_store

pytestmark = pytest.mark.django_db

ADD_URL = "/desk/slip/purchaseslip/add/"


def slip_form(card_number: str, store_id: int, receipt: str = "DESK-1") -> dict:
    return {
        "card_number": card_number,
        "store": store_id,
        "purchased_at_0": "2026-12-01",
        "purchased_at_1": "10:30:00",
        "receipt_number": receipt,
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "1000",
        "lines-0-category": "1",
        "lines-0-quantity": "1",
        "lines-0-amount": "120.50",
        "lines-1-category": "2",
        "lines-1-quantity": "1",
        "lines-1-amount": "30.00",
    }


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_clerk_keys_and_submits_slip(jinan: Region, jinan_clerk: User) -> None:
    member, card = make_household(jinan)
    store = make_store(jinan)
    client = logged_in(jinan_clerk)

    response = client.post(ADD_URL, slip_form(card.card_number, store.pk))

    assert response.status_code == 302, response.content.decode()[-2000:]
    slip = PurchaseSlip.objects.get()
    assert slip.total == 150.50
    assert slip.member == member
    submit_url = f"/desk/slip/purchaseslip/{slip.pk}/transition/submit/"
    confirm = client.get(submit_url)
    assert confirm.status_code == 200
    slip.refresh_from_db()
    assert slip.status == "draft"
    submit = client.post(submit_url, {"_form_submitted": "on"})
    assert submit.status_code == 302
    slip.refresh_from_db()
    assert slip.status == "submitted"
    assert balance(member) == 150


def test_desk_form_names_existing_slip(jinan: Region, jinan_clerk: User) -> None:
    _member, card = make_household(jinan)
    store = make_store(jinan)
    client = logged_in(jinan_clerk)
    client.post(ADD_URL, slip_form(card.card_number, store.pk))
    existing = PurchaseSlip.objects.get()

    response = client.post(ADD_URL, slip_form(card.card_number, store.pk))

    assert response.status_code == 200
    assert existing.number in response.content.decode()
    assert PurchaseSlip.objects.count() == 1


def test_desk_form_rejects_unknown_card(jinan: Region, jinan_clerk: User) -> None:
    store = make_store(jinan)

    response = logged_in(jinan_clerk).post(ADD_URL, slip_form("NOSUCH", store.pk))

    assert response.status_code == 200
    assert "NOSUCH" in response.content.decode()
    assert not PurchaseSlip.objects.exists()


def test_qingdao_clerk_does_not_see_jinan_slip(
    jinan: Region, jinan_clerk: User, qingdao_clerk: User
) -> None:
    _member, card = make_household(jinan)
    store = make_store(jinan)
    logged_in(jinan_clerk).post(ADD_URL, slip_form(card.card_number, store.pk))
    slip = PurchaseSlip.objects.get()

    listing = logged_in(qingdao_clerk).get("/desk/slip/purchaseslip/")
    detail = logged_in(qingdao_clerk).get(f"/desk/slip/purchaseslip/{slip.pk}/change/")

    assert listing.status_code == 200
    assert slip.receipt_number not in listing.content.decode()
    assert detail.status_code == 302


def key_and_submit(client: Client, card_number: str, store_pk: int) -> PurchaseSlip:
    """Key a slip in the desk's add form and submit it; return it."""
    client.post(ADD_URL, slip_form(card_number, store_pk))
    slip = PurchaseSlip.objects.get()
    client.post(
        f"/desk/slip/purchaseslip/{slip.pk}/transition/submit/",
        {"_form_submitted": "on"},
    )
    return slip


def test_cancel_needs_reason_and_reverses(
    jinan: Region, head_office_admin: User
) -> None:
    member, card = make_household(jinan)
    client = logged_in(head_office_admin)
    slip = key_and_submit(client, card.card_number, make_store(jinan).pk)
    cancel_url = f"/desk/slip/purchaseslip/{slip.pk}/transition/cancel/"

    without_reason = client.post(cancel_url, {"_form_submitted": "on"})
    slip.refresh_from_db()
    assert without_reason.status_code == 200
    assert slip.status == "submitted"

    client.post(cancel_url, {"_form_submitted": "on", "reason": "keyed twice"})
    slip.refresh_from_db()
    assert slip.status == "cancelled"
    assert slip.cancel_reason == "keyed twice"
    assert balance(member) == 0


def test_typed_inputs_have_borders(jinan: Region, head_office_admin: User) -> None:
    # Django's plain text input renders without a border in the desk's theme.
    _member, card = make_household(jinan)
    client = logged_in(head_office_admin)
    slip = key_and_submit(client, card.card_number, make_store(jinan).pk)

    add_form = client.get(ADD_URL).context["adminform"].form
    dialog = client.get(f"/desk/slip/purchaseslip/{slip.pk}/transition/cancel/")

    assert "border" in add_form.fields["card_number"].widget.attrs["class"]
    assert "border" in dialog.context["form"].fields["reason"].widget.attrs["class"]


def test_office_role_has_no_cancel(jinan: Region, head_office_admin: User) -> None:
    from tests.conftest import make_user

    office = make_user("jinan-office", "regional_office", [jinan])
    _member, card = make_household(jinan)
    client = logged_in(head_office_admin)
    slip = key_and_submit(client, card.card_number, make_store(jinan).pk)

    response = logged_in(office).post(
        f"/desk/slip/purchaseslip/{slip.pk}/transition/cancel/",
        {"_form_submitted": "on", "reason": "no right"},
    )

    assert response.status_code == 403
    slip.refresh_from_db()
    assert slip.status == "submitted"
