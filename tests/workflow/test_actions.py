"""Desk buttons and API actions generated from the workflow, for every type."""

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.test import APIClient

from lq_crm.doctype.card.models import Card, CardBatch
from lq_crm.doctype.card.services import generate_batch
from lq_crm.doctype.event.models import Registration
from lq_crm.doctype.member.models import Member
from lq_crm.doctype.region.models import Region
from lq_crm.doctype.slip.models import PurchaseSlip
from lq_crm.doctype.slip.services import submit_slip
from lq_crm.workflow.models import TransitionLog
from tests.conftest import make_user
from tests.events.builders import make_event, register_household

from .conftest import slip_transition

pytestmark = pytest.mark.django_db

BUTTON = re.compile(r'data-workflow-action="([a-z_]+)"')


def desk(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def api(user: User) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def buttons(client: Client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, url
    return BUTTON.findall(response.content.decode())


def slip_page(slip: PurchaseSlip) -> str:
    return f"/desk/slip/purchaseslip/{slip.pk}/change/"


# Desk ----------------------------------------------------------------------


def test_slip_buttons_follow_state(draft_slip: PurchaseSlip, jinan_clerk: User) -> None:
    client = desk(jinan_clerk)

    assert buttons(client, slip_page(draft_slip)) == ["submit"]
    submit_slip(draft_slip, jinan_clerk)
    assert buttons(client, slip_page(draft_slip)) == ["cancel"]


def test_slip_buttons_follow_roles(draft_slip: PurchaseSlip, jinan: Region) -> None:
    office = make_user("jinan-office", "regional_office", [jinan])
    submit_slip(draft_slip, office)

    assert buttons(desk(office), slip_page(draft_slip)) == []


def test_button_gone_after_role_removed(
    draft_slip: PurchaseSlip, jinan_clerk: User
) -> None:
    submit_slip(draft_slip, jinan_clerk)
    transition = slip_transition("cancel")
    transition.roles.remove(transition.roles.get(code="store_clerk"))

    assert buttons(desk(jinan_clerk), slip_page(draft_slip)) == []


def test_dialog_then_post_takes_action(
    draft_slip: PurchaseSlip, jinan_clerk: User
) -> None:
    client = desk(jinan_clerk)
    url = f"/desk/slip/purchaseslip/{draft_slip.pk}/transition/submit/"

    dialog = client.get(url)
    submitted = client.post(url, {"_form_submitted": "on"})

    assert dialog.status_code == 200
    assert 'id="dialog"' in dialog.content.decode()
    assert submitted.status_code == 302
    assert submitted["Location"] == slip_page(draft_slip)
    draft_slip.refresh_from_db()
    assert draft_slip.status == "submitted"
    log = TransitionLog.objects.get(action="submit")
    assert log.user == jinan_clerk


def test_htmx_dialog_gets_hx_redirect(
    draft_slip: PurchaseSlip, jinan_clerk: User
) -> None:
    url = f"/desk/slip/purchaseslip/{draft_slip.pk}/transition/submit/"

    response = desk(jinan_clerk).post(
        url, {"_form_submitted": "on"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert response["HX-Redirect"] == slip_page(draft_slip)


def test_action_not_offered_is_403(draft_slip: PurchaseSlip, jinan_clerk: User) -> None:
    url = f"/desk/slip/purchaseslip/{draft_slip.pk}/transition/cancel/"

    response = desk(jinan_clerk).post(url, {"_form_submitted": "on", "reason": "x"})

    assert response.status_code == 403
    assert PurchaseSlip.objects.get(pk=draft_slip.pk).status == "draft"


def test_other_city_slip_is_404(draft_slip: PurchaseSlip, qingdao_clerk: User) -> None:
    url = f"/desk/slip/purchaseslip/{draft_slip.pk}/transition/submit/"

    response = desk(qingdao_clerk).post(url, {"_form_submitted": "on"})

    assert response.status_code == 404
    assert PurchaseSlip.objects.get(pk=draft_slip.pk).status == "draft"


def test_amend_redirects_to_new_draft(
    draft_slip: PurchaseSlip, jinan_clerk: User
) -> None:
    client = desk(jinan_clerk)
    base = f"/desk/slip/purchaseslip/{draft_slip.pk}/transition"
    client.post(f"{base}/submit/", {"_form_submitted": "on"})
    client.post(f"{base}/cancel/", {"_form_submitted": "on", "reason": "typo"})

    assert buttons(client, slip_page(draft_slip)) == ["amend"]
    response = client.post(f"{base}/amend/", {"_form_submitted": "on"})

    amendment = PurchaseSlip.objects.get(amended_from=draft_slip)
    assert response["Location"] == slip_page(amendment)
    actions = list(
        TransitionLog.objects.filter(document_id=str(draft_slip.pk))
        .order_by("pk")
        .values_list("action", "user__username")
    )
    assert actions == [
        ("submit", "jinan-clerk"),
        ("cancel", "jinan-clerk"),
        ("amend", "jinan-clerk"),
    ]


def test_card_page_issues_with_dialog_form(jinan: Region) -> None:
    service = make_user("jinan-service", "service_centre", [jinan])
    batch = generate_batch_of(2)
    card = batch.cards.order_by("serial").first()
    member = Member.objects.create(name="王芳", city=jinan)
    client = desk(service)
    url = f"/desk/card/card/{card.pk}/transition/issue/"

    assert buttons(client, f"/desk/card/card/{card.pk}/change/") == ["issue", "block"]
    missing_note = client.post(
        url,
        {"_form_submitted": "on", "member": member.number, "basis": "trip_photo"},
        follow=True,
    )
    assert "admission note is missing" in missing_note.content.decode()
    assert Card.objects.get(pk=card.pk).status == Card.Status.IN_STOCK

    issued = client.post(
        url,
        {
            "_form_submitted": "on",
            "member": member.number,
            "basis": "trip_photo",
            "note": "2025 trip photo",
        },
        follow=True,
    )

    card.refresh_from_db()
    assert card.status == Card.Status.ISSUED
    assert card.member == member
    assert issued.status_code == 200
    assert buttons(client, f"/desk/card/card/{card.pk}/change/") == [
        "report_lost",
        "block",
    ]


def test_card_issue_form_rejects_other_city(jinan: Region, qingdao: Region) -> None:
    service = make_user("qingdao-service", "service_centre", [qingdao])
    card = generate_batch_of(1).cards.get()
    member = Member.objects.create(name="王芳", city=jinan)

    response = desk(service).post(
        f"/desk/card/card/{card.pk}/transition/issue/",
        {
            "_form_submitted": "on",
            "member": member.number,
            "basis": "trip_photo",
            "note": "photo",
        },
    )

    assert response.status_code == 200
    assert "not found in your cities" in response.content.decode()
    card.refresh_from_db()
    assert card.status == Card.Status.IN_STOCK


def test_registration_page_offers_cancel(jinan: Region) -> None:
    service = make_user("jinan-service", "service_centre", [jinan])
    registration = register_household(make_event(), jinan)
    client = desk(service)
    page = f"/desk/event/registration/{registration.pk}/change/"

    assert buttons(client, page) == ["cancel", "attend", "no_show"]
    client.post(
        f"/desk/event/registration/{registration.pk}/transition/cancel/",
        {"_form_submitted": "on", "reason": "ill"},
    )

    registration.refresh_from_db()
    assert registration.status == Registration.Status.CANCELLED
    assert buttons(client, page) == []


def generate_batch_of(quantity: int) -> CardBatch:
    return generate_batch(
        CardBatch(prefix="37", width=8, first_serial=500, quantity=quantity)
    )


# API -------------------------------------------------------------------------


def test_detail_lists_actions(draft_slip: PurchaseSlip, jinan_clerk: User) -> None:
    response = api(jinan_clerk).get(f"/api/slips/{draft_slip.pk}/")

    assert response.status_code == 200
    assert response.json()["actions"] == [{"action": "submit", "label": "提交"}]


def test_list_has_no_actions(draft_slip: PurchaseSlip, jinan_clerk: User) -> None:
    response = api(jinan_clerk).get("/api/slips/")

    assert "actions" not in response.json()["results"][0]


def test_transition_takes_action(draft_slip: PurchaseSlip, jinan_clerk: User) -> None:
    response = api(jinan_clerk).post(
        f"/api/slips/{draft_slip.pk}/transition/", {"action": "submit"}
    )

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "submitted"
    assert response.json()["actions"] == [{"action": "cancel", "label": "作废"}]


def test_transition_role_rejected_403(
    draft_slip: PurchaseSlip, jinan_clerk: User
) -> None:
    transition = slip_transition("submit")
    transition.roles.remove(transition.roles.get(code="store_clerk"))

    response = api(jinan_clerk).post(
        f"/api/slips/{draft_slip.pk}/transition/", {"action": "submit"}
    )

    assert response.status_code == 403
    assert "none of the roles" in response.json()["detail"]
    assert PurchaseSlip.objects.get(pk=draft_slip.pk).status == "draft"


def test_transition_unknown_action_400(
    draft_slip: PurchaseSlip, jinan_clerk: User
) -> None:
    response = api(jinan_clerk).post(
        f"/api/slips/{draft_slip.pk}/transition/", {"action": "fly"}
    )

    assert response.status_code == 400
    assert "no enabled action fly" in response.json()["detail"]


def test_transition_missing_action_400(
    draft_slip: PurchaseSlip, jinan_clerk: User
) -> None:
    response = api(jinan_clerk).post(f"/api/slips/{draft_slip.pk}/transition/", {})

    assert response.status_code == 400
    assert "action" in response.json()


def test_transition_condition_false_400(
    draft_slip: PurchaseSlip, jinan_clerk: User
) -> None:
    transition = slip_transition("submit")
    transition.condition = "total > 500"
    transition.save()

    response = api(jinan_clerk).post(
        f"/api/slips/{draft_slip.pk}/transition/", {"action": "submit"}
    )

    assert response.status_code == 400
    assert "total > 500" in response.json()["detail"]


def test_transition_other_city_404(
    draft_slip: PurchaseSlip, qingdao_clerk: User
) -> None:
    response = api(qingdao_clerk).post(
        f"/api/slips/{draft_slip.pk}/transition/", {"action": "submit"}
    )

    assert response.status_code == 404


def test_registration_transition_cancel(jinan: Region) -> None:
    service = make_user("jinan-service", "service_centre", [jinan])
    registration = register_household(make_event(), jinan)
    client = api(service)

    detail = client.get(f"/api/event-registrations/{registration.pk}/")
    cancelled = client.post(
        f"/api/event-registrations/{registration.pk}/transition/",
        {"action": "cancel", "reason": "ill"},
    )

    assert [entry["action"] for entry in detail.json()["actions"]] == [
        "cancel",
        "attend",
        "no_show",
    ]
    assert cancelled.status_code == 200, cancelled.content
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["actions"] == []


def test_system_step_not_offered_to_superuser(jinan: Region) -> None:
    root = User.objects.create_superuser("root", password="secret-pass-1")
    registration = register_household(make_event(), jinan)

    response = api(root).post(
        f"/api/event-registrations/{registration.pk}/transition/",
        {"action": "waitlist"},
    )

    assert response.status_code == 403
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED
