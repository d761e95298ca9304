"""A Jinan office user enters a slip by card number in headless chromium."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from lq_crm.doctype.product.models import ProductCategory
from lq_crm.doctype.slip.models import PurchaseSlip
from tests.conftest import city, make_user
from tests.events.builders import make_event
from tests.factories import PASSWORD, CardFactory, StoreFactory

pytestmark = pytest.mark.browser

TABLET = {"width": 1024, "height": 768}
MIN_TOUCH_TARGET = 44  # CSS pixels; the stylesheet sets 48


def sign_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/portal/office/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/portal/office/")


def test_slip_entry_by_card_number(
    page: Page, live_server: object, tmp_path: Path
) -> None:
    base_url = live_server.url  # type: ignore[attr-defined]
    jinan, qingdao = city("济南市"), city("青岛市")
    make_user("jinan-clerk", "store_clerk", [jinan])
    store = StoreFactory(city=jinan, name="济南泉城路店")
    card = CardFactory(serial=60_000_001, member__city=jinan, member__name="王建国")
    qingdao_card = CardFactory(
        serial=60_000_002, member__city=qingdao, member__name="李秀英"
    )
    health = ProductCategory.objects.get(code="health")
    page.set_viewport_size(TABLET)

    sign_in(page, base_url, "jinan-clerk")
    page.goto(f"{base_url}/portal/office/slips/new/")
    page.fill("input[name=card_number]", card.card_number)

    info = page.locator("[data-card-info]")
    expect(info.locator("[data-field=name]")).to_have_text("王*国")
    expect(info.locator("[data-field=tier]")).to_have_text(card.member.tier.name)
    page.screenshot(path=str(tmp_path / "slip-entry-1024x768.png"), full_page=True)
    layout = page.evaluate(
        """() => ({
            scrollWidth: document.documentElement.scrollWidth,
            submitHeight: document.querySelector("button[type=submit].button-wide")
                .getBoundingClientRect().height,
            inputHeight: document.querySelector("input[name=receipt_number]")
                .getBoundingClientRect().height,
        })"""
    )
    assert layout["scrollWidth"] <= TABLET["width"]
    assert layout["submitHeight"] >= MIN_TOUCH_TARGET
    assert layout["inputHeight"] >= MIN_TOUCH_TARGET

    page.select_option("select[name=store]", str(store.pk))
    page.fill("input[name=receipt_number]", "R-BROWSER-1")
    page.select_option("select[name=lines-0-category]", str(health.pk))
    page.fill("input[name=lines-0-amount]", "268.00")
    page.click("button[type=submit].button-wide")

    page.wait_for_url(f"{base_url}/portal/office/slips/*/")
    slip = PurchaseSlip.objects.get(receipt_number="R-BROWSER-1")
    assert slip.card == card
    assert slip.status == PurchaseSlip.Status.SUBMITTED
    expect(page.locator("main")).to_contain_text("268.00")
    expect(page.locator("main")).to_contain_text(slip.number)

    response = page.goto(f"{base_url}/portal/office/members/{qingdao_card.member_id}/")
    assert response is not None
    assert response.status == 404
    expect(page.locator("body")).not_to_contain_text("李")

    page.goto(f"{base_url}/portal/office/slips/new/")
    page.fill("input[name=card_number]", qingdao_card.card_number)
    page.click("[data-lookup-button]")
    expect(info.locator("[data-info-error]")).to_be_visible()
    expect(info.locator("[data-info-found]")).to_be_hidden()
    expect(info).not_to_contain_text("李")


TABLET_PAGES = [
    "",
    "slips/new/",
    "members/new/",
    "registrations/new/",
    "check-in/",
    "members/",
    "cards/",
    "slips/",
    "registrations/",
]

# Controls shorter than a fingertip; a radio button or checkbox is measured
# by its label, which is what the finger taps.
SMALL_TARGETS = """() => [...document.querySelectorAll(
    "main button, main input:not([type=hidden]), main select, .mainnav a"
)].map((element) => {
    const choice = element.type === "radio" || element.type === "checkbox";
    return choice ? element.closest("label") || element : element;
}).filter((element) => {
    const box = element.getBoundingClientRect();
    return box.width > 0 && box.height < 44;
}).map((element) => element.outerHTML.slice(0, 80))"""


def test_pages_fit_tablet(page: Page, live_server: object, tmp_path: Path) -> None:
    base_url = live_server.url  # type: ignore[attr-defined]
    jinan = city("济南市")
    make_user("jinan-office", "regional_office", [jinan])
    StoreFactory(city=jinan, name="济南泉城路店")
    CardFactory(serial=60_000_011, member__city=jinan, member__name="王建国")
    make_event(title="济南健康讲座", city=jinan)
    page.set_viewport_size(TABLET)

    sign_in(page, base_url, "jinan-office")
    for path in TABLET_PAGES:
        page.goto(f"{base_url}/portal/office/{path}")
        name = path.strip("/").replace("/", "-") or "dashboard"
        page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)

        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= TABLET["width"], path
        assert page.evaluate(SMALL_TARGETS) == [], path
