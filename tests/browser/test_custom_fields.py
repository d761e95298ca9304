"""An admin adds a select field in the desk and a clerk fills it, no restart.

The value then comes back through the API and in the Excel export.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from openpyxl import load_workbook
from playwright.sync_api import Browser, Page

from lq_crm.customize.models import CustomField
from lq_crm.doctype.member.models import Member
from lq_crm.doctype.region.models import Region
from tests.browser.conftest import log_in
from tests.conftest import make_user
from tests.factories import MemberFactory, SuperuserFactory

pytestmark = pytest.mark.browser


def new_page(browser: Browser) -> Page:
    context = browser.new_context(locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def add_source_field(page: Page, base_url: str) -> None:
    member_type = ContentType.objects.get_for_model(Member)
    page.goto(f"{base_url}/desk/customize/customfield/add/")
    page.select_option("select[name=document_type]", str(member_type.pk))
    page.fill("input[name=key]", "source")
    page.fill("input[name=label_zh]", "获知渠道")
    page.fill("input[name=label_en]", "Heard of us via")
    page.select_option("select[name=field_type]", "select")
    page.fill("textarea[name=options]", "门店\n社区\n校园\n万人游蛇园")
    page.fill("input[name=section]", "会员来源")
    page.click("button[name=_save]")
    page.wait_for_url(f"{base_url}/desk/customize/customfield/")


def set_source(page: Page, base_url: str, member: Member, value: str) -> None:
    page.goto(f"{base_url}/desk/member/member/{member.pk}/change/")
    page.select_option("select[name=source]", value)
    page.click("button[name=_save]")
    page.wait_for_url(f"{base_url}/desk/member/member/")


def export_list(page: Page, base_url: str, member: Member, folder: Path) -> list:
    page.goto(f"{base_url}/desk/member/member/")
    page.check(f"input.action-select[value='{member.pk}']")
    page.select_option("select[name=action]", "export_excel")
    with page.expect_download() as download_info:
        page.click("#changelist-actions button[name=index]")
    path = folder / "members.xlsx"
    download_info.value.save_as(path)
    sheet = load_workbook(BytesIO(path.read_bytes())).active
    return list(sheet.iter_rows(values_only=True))


def test_admin_adds_field_clerk_fills_it(
    browser: Browser, live_server: object, jinan: Region, tmp_path: Path
) -> None:
    base_url = live_server.url  # type: ignore[attr-defined]
    admin = SuperuserFactory()
    clerk = make_user("jinan-centre", "service_centre", [jinan])
    member = MemberFactory(name="孙丽华", city=jinan)

    admin_page = new_page(browser)
    log_in(admin_page, base_url, admin)
    add_source_field(admin_page, base_url)
    field = CustomField.objects.get(key="source")
    assert field.option_list == ["门店", "社区", "校园", "万人游蛇园"]

    clerk_page = new_page(browser)
    log_in(clerk_page, base_url, clerk)
    set_source(clerk_page, base_url, member, "万人游蛇园")
    member.refresh_from_db()
    assert member.custom == {"source": "万人游蛇园"}

    response = clerk_page.request.get(f"{base_url}/api/members/{member.pk}/")
    assert response.status == 200
    assert response.json()["source"] == "万人游蛇园"

    header, *rows = export_list(clerk_page, base_url, member, tmp_path)
    assert "获知渠道" in header
    column = header.index("获知渠道")
    assert [row[column] for row in rows] == ["万人游蛇园"]
