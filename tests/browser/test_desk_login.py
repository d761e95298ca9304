"""A superuser logs into the desk in headless chromium and finds a member."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import log_in
from tests.factories import MemberFactory, SuperuserFactory

pytestmark = pytest.mark.browser


def test_desk_login_in_chinese(page: Page, live_server: object) -> None:
    base_url = live_server.url  # type: ignore[attr-defined]
    superuser = SuperuserFactory()
    member = MemberFactory(name="孙丽华")

    log_in(page, base_url, superuser)

    assert page.locator("html").get_attribute("lang") == "zh-hans"
    expect(page.locator("body")).to_contain_text("会员")
    expect(page.locator("body")).to_contain_text("门店与商品")

    page.goto(f"{base_url}/desk/member/member/")
    expect(page.locator("#result_list")).to_contain_text(member.name)
    expect(page.locator("#result_list")).to_contain_text(member.number)
