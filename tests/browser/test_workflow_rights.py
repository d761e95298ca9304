"""An admin takes "cancel" from store clerks, so the clerk's button and API go.

The clerk first cancels a slip through the button's dialog, then the admin
unticks the clerk's cancel in the permission matrix. The server keeps
running: the clerk's next page load shows no cancel button on another
submitted slip, and the API neither lists nor takes the action. The
workflow's cancel transition loses the role too, so the workflow editor and
the matrix show the same right.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, Page, expect

from lq_crm.access.models import Role
from lq_crm.doctype.region.models import Region
from lq_crm.doctype.slip.models import PurchaseSlip
from lq_crm.doctype.slip.services import create_slip, submit_slip
from lq_crm.workflow.models import WorkflowTransition
from tests.browser.conftest import log_in
from tests.conftest import make_user
from tests.factories import SuperuserFactory
from tests.slips.builders import lines, make_household, make_store

pytestmark = pytest.mark.browser

CANCEL_BUTTON = "a[data-workflow-action=cancel]"


def submitted(card_holder: Region, receipt: str, clerk: User) -> PurchaseSlip:
    _member, card = make_household(card_holder)
    slip = create_slip(
        card=card,
        store=make_store(card_holder),
        receipt_number=receipt,
        lines=lines("88.00"),
        clerk=clerk,
    )
    return submit_slip(slip, clerk)


def new_page(browser: Browser) -> Page:
    page = browser.new_context(locale="zh-CN").new_page()
    page.set_default_timeout(15_000)
    return page


def slip_url(base_url: str, slip: PurchaseSlip) -> str:
    return f"{base_url}/desk/slip/purchaseslip/{slip.pk}/change/"


def cancel_in_dialog(page: Page, base_url: str, slip: PurchaseSlip) -> None:
    page.goto(slip_url(base_url, slip))
    page.click(CANCEL_BUTTON)
    dialog = page.locator("#dialog")
    dialog.locator("input[name=reason]").fill("顾客退货")
    # The dialog posts through htmx, and the HX-Redirect reply reloads the page.
    with page.expect_navigation():
        dialog.locator("button[type=submit]").click()
    expect(page.locator("body")).to_contain_text(slip.number)
    expect(page.locator(CANCEL_BUTTON)).to_have_count(0)


def untick_clerk_cancel(page: Page, base_url: str) -> None:
    clerk = Role.objects.get(code="store_clerk")
    cancel = clerk.group.permissions.get(codename="cancel_purchaseslip")
    page.goto(f"{base_url}/desk/access/role/matrix/")
    checkbox = page.locator(f"input[name=perm-{clerk.pk}-{cancel.pk}]")
    expect(checkbox).to_be_checked()
    checkbox.uncheck()
    page.click("#permission-matrix button[type=submit]")
    page.wait_for_url(f"{base_url}/desk/access/role/matrix/")
    expect(page.locator(f"input[name=perm-{clerk.pk}-{cancel.pk}]")).not_to_be_checked()


def api_cancel(page: Page, base_url: str, slip: PurchaseSlip) -> int:
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    response = page.request.post(
        f"{base_url}/api/slips/{slip.pk}/transition/",
        data={"action": "cancel", "reason": "after the change"},
        headers={"X-CSRFToken": cookies["csrftoken"], "Referer": base_url},
    )
    return response.status


def test_admin_takes_cancel_from_clerk(
    browser: Browser, live_server: object, jinan: Region
) -> None:
    base_url = live_server.url  # type: ignore[attr-defined]
    clerk = make_user("jinan-clerk", "store_clerk", [jinan])
    first = submitted(jinan, "B-1", clerk)
    second = submitted(jinan, "B-2", clerk)

    clerk_page = new_page(browser)
    log_in(clerk_page, base_url, clerk)
    cancel_in_dialog(clerk_page, base_url, first)
    first.refresh_from_db()
    assert first.status == PurchaseSlip.Status.CANCELLED
    assert first.cancel_reason == "顾客退货"

    clerk_page.goto(slip_url(base_url, second))
    expect(clerk_page.locator(CANCEL_BUTTON)).to_have_count(1)
    detail = clerk_page.request.get(f"{base_url}/api/slips/{second.pk}/")
    assert [entry["action"] for entry in detail.json()["actions"]] == ["cancel"]

    admin_page = new_page(browser)
    log_in(admin_page, base_url, SuperuserFactory())
    untick_clerk_cancel(admin_page, base_url)

    clerk_page.goto(slip_url(base_url, second))
    expect(clerk_page.locator("body")).to_contain_text(second.number)
    expect(clerk_page.locator(CANCEL_BUTTON)).to_have_count(0)
    detail = clerk_page.request.get(f"{base_url}/api/slips/{second.pk}/")
    assert detail.json()["actions"] == []
    assert api_cancel(clerk_page, base_url, second) == 403
    second.refresh_from_db()
    assert second.status == PurchaseSlip.Status.SUBMITTED

    cancel = WorkflowTransition.objects.get(
        workflow__code="purchase_slip", action="cancel"
    )
    roles = set(cancel.roles.values_list("code", flat=True))
    assert "store_clerk" not in roles
    assert "service_centre" in roles
