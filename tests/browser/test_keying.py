"""A clerk keys two paper forms with the keyboard in headless chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from lq_crm.doctype.card.models import Card
from lq_crm.doctype.member.models import Member
from lq_crm.doctype.product.models import ProductCategory
from lq_crm.doctype.region.models import Region
from lq_crm.doctype.slip.models import PurchaseSlip
from tests.browser.conftest import log_in
from tests.conftest import make_user
from tests.factories import StoreFactory
from tests.keying.conftest import mistyped, stock_card

pytestmark = pytest.mark.browser


def press_enter(page: Page, expected_focus: str) -> None:
    page.keyboard.press("Enter")
    expect(page.locator(expected_focus)).to_be_focused()


def type_and_enter(page: Page, text: str, expected_focus: str) -> None:
    page.keyboard.type(text)
    press_enter(page, expected_focus)


def test_key_two_forms_with_keyboard(page: Page, live_server: object) -> None:
    base_url = live_server.url  # type: ignore[attr-defined]
    jinan = Region.objects.get(name="济南市", level=Region.Level.CITY)
    clerk = make_user("service-clerk", "service_centre")
    store = StoreFactory(city=jinan, name="泉城路店")
    card = stock_card(30_000_001)
    health = ProductCategory.objects.order_by("position", "code").first()
    assert health is not None

    log_in(page, base_url, clerk)
    page.goto(f"{base_url}/desk/keying/")

    # The first field has focus, and Enter walks the fields in paper order.
    expect(page.locator("#id_name")).to_be_focused()
    type_and_enter(page, "王秀英", "#id_gender")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    expect(page.locator("#id_gender")).to_have_value("female")
    press_enter(page, "#id_address")
    page.keyboard.type("济南市历下区泉城路12号")

    # The city and district are proposed while the address is typed.
    expect(page.locator("#region-status")).to_contain_text("历下区")
    expect(page.locator("#id_city")).to_have_value(str(jinan.pk))
    lixia = Region.objects.get(name="历下区", parent=jinan)
    expect(page.locator("#id_district")).to_have_value(str(lixia.pk))

    press_enter(page, "#id_city")
    press_enter(page, "#id_district")
    press_enter(page, "#id_phone")
    type_and_enter(page, "13912340001", "#id_occupation")
    type_and_enter(page, "教师", "#id_age_or_birth_year")
    type_and_enter(page, "45", "#id_lines-0-category")
    page.keyboard.press("ArrowDown")
    expect(page.locator("#id_lines-0-category")).to_have_value(str(health.pk))
    press_enter(page, "#id_lines-0-product")
    press_enter(page, "#id_lines-0-amount")
    # Filling a line adds a blank one; Enter on it moves on to the amount.
    type_and_enter(page, "268", "#id_lines-1-category")
    press_enter(page, "#id_amount")
    type_and_enter(page, "268", "#id_receipt_number")
    press_enter(page, "#id_card_number")

    # A mistyped check digit is flagged as it is typed, then fixed.
    page.keyboard.type(mistyped(card.card_number))
    status = page.locator("#card-status")
    expect(status).to_contain_text("校验位")
    expect(status).to_have_class(re.compile("is-wrong"))
    page.keyboard.press("Backspace")
    page.keyboard.type(card.card_number[-1])
    expect(status).to_have_class(re.compile("is-ok"))
    expect(status).to_contain_text(card.card_number)

    press_enter(page, "#id_admission_basis")
    press_enter(page, "#id_signup_activity")
    press_enter(page, "#id_store")
    page.keyboard.press("ArrowDown")
    expect(page.locator("#id_store")).to_have_value(str(store.pk))
    press_enter(page, "#id_form_date")
    press_enter(page, "#id_consent")
    page.keyboard.press("Space")
    expect(page.locator("#id_consent")).to_be_checked()
    press_enter(page, "#id_consent_marketing")
    # Enter in the last field saves, and an empty form follows.
    page.keyboard.press("Enter")

    expect(page.locator("#id_name")).to_have_value("")
    expect(page.locator("body")).to_contain_text(card.card_number)
    member = Member.objects.get()
    assert member.name == "王秀英"
    assert member.district == lixia
    assert member.phone == "+8613912340001"
    card.refresh_from_db()
    assert card.member == member
    assert card.status == Card.Status.ACTIVE
    slip = PurchaseSlip.objects.get()
    assert slip.member == member
    assert slip.status == PurchaseSlip.Status.SUBMITTED
    assert str(slip.total) == "268.00"

    # A second form with the same phone shows the household just saved.
    expect(page.locator("#id_name")).to_be_focused()
    type_and_enter(page, "王秀英", "#id_gender")
    press_enter(page, "#id_address")
    press_enter(page, "#id_city")
    press_enter(page, "#id_district")
    press_enter(page, "#id_phone")
    page.keyboard.type("139 1234 0001")
    matches = page.locator("#household-matches")
    expect(matches).to_be_visible()
    expect(matches).to_contain_text(member.number)
    press_enter(page, "#id_occupation")
    press_enter(page, "#id_age_or_birth_year")
    press_enter(page, "#id_lines-0-category")
    page.keyboard.press("ArrowDown")
    press_enter(page, "#id_lines-0-product")
    press_enter(page, "#id_lines-0-amount")
    type_and_enter(page, "88", "#id_lines-1-category")
    press_enter(page, "#id_amount")
    type_and_enter(page, "88", "#id_receipt_number")
    press_enter(page, "#id_card_number")
    page.keyboard.type(card.card_number)
    expect(status).to_contain_text(member.number)

    # Choose "update this household" from the keyboard, then Ctrl+Enter saves.
    matches.locator(f'input[value="{member.pk}"]').focus()
    page.keyboard.press("Space")
    expect(matches.locator(f'input[value="{member.pk}"]')).to_be_checked()
    expect(status).to_have_class(re.compile("is-ok"))
    page.locator("#id_store").focus()
    page.keyboard.press("ArrowDown")
    page.locator("#id_consent").focus()
    page.keyboard.press("Space")
    page.keyboard.press("Control+Enter")

    expect(page.locator("#id_name")).to_have_value("")
    second = PurchaseSlip.objects.exclude(pk=slip.pk).get()
    expect(page.locator("body")).to_contain_text(second.number)
    assert second.member == member
    assert second.card == card
    assert str(second.total) == "88.00"
    assert Member.objects.count() == 1
