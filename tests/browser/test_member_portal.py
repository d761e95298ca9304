"""A household signs in with an SMS code in headless chromium and registers."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from lq_crm.doctype.event.models import Registration
from lq_crm.notify.models import Notification
from tests.events.builders import make_event
from tests.factories import CardFactory, HouseholdPersonFactory, MemberFactory

pytestmark = pytest.mark.browser

PHONE = "+8613866660001"


def sent_code(phone: str) -> str:
    """Read the code from the SMS the portal put in the notification outbox."""
    message = Notification.objects.filter(
        key__startswith="portal-code:", recipient=phone
    ).latest("pk")
    match = re.search(r"\d{6}", message.body)
    assert match is not None, message.body
    return match.group()


def test_member_signs_in_and_registers(page: Page, live_server: object) -> None:
    base_url = live_server.url  # type: ignore[attr-defined]
    member = MemberFactory(phone=PHONE, name="孙丽华")
    CardFactory(member=member)
    spouse = HouseholdPersonFactory(member=member, name="周建国")
    event = make_event(title="万人游蛇园", capacity=10)

    page.goto(f"{base_url}/portal/events/")
    page.wait_for_url(re.compile(r"/portal/sign-in/"))
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.fill("input[name=phone]", "138 6666 0001")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base_url}/portal/sign-in/code/")

    page.fill("input[name=code]", sent_code(PHONE))
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base_url}/portal/events/")

    event_card = page.locator(f'[data-test="event-{event.pk}"]')
    expect(event_card).to_contain_text("万人游蛇园")
    event_card.locator("a").first.click()
    page.wait_for_url(f"{base_url}/portal/events/{event.pk}/")
    form = page.locator('[data-test="register-form"]')
    form.locator(f'input[name=persons][value="{spouse.pk}"]').check()
    form.locator('input[name=persons][value="holder"]').check()
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"{base_url}/portal/events/{event.pk}/")

    registration = Registration.objects.get(event=event, member=member)
    expect(page.locator('[data-test="registration-status"]')).to_contain_text(
        registration.number
    )
    assert registration.status == Registration.Status.CONFIRMED
    assert sorted(registration.persons.values_list("name", flat=True)) == sorted(
        ["孙丽华", "周建国"]
    )
