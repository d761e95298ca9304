"""A reviewer merges a pair from the queue and undoes it, in headless chromium."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import Page, expect

from lq_crm.doctype.card.models import Card
from lq_crm.doctype.region.models import Region
from lq_crm.duplicates.models import DuplicateCandidate, Merge
from lq_crm.duplicates.services import record_candidates
from tests.browser.conftest import log_in
from tests.conftest import make_user
from tests.factories import CardFactory, MemberFactory

pytestmark = pytest.mark.browser


def test_merge_and_undo_from_queue(page: Page, live_server: object) -> None:
    base_url = live_server.url  # type: ignore[attr-defined]
    jinan = Region.objects.get(name="济南市", level=Region.Level.CITY)
    reviewer = make_user("reviewer", "service_centre")
    reviewer.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="duplicates")
    )
    kept = CardFactory(
        member=MemberFactory(name="张伟", phone="+8613900000021", city=jinan)
    )
    other = CardFactory(
        member=MemberFactory(name="章伟", phone="+8613900000021", city=jinan)
    )
    record_candidates([other.member.pk])
    pair = DuplicateCandidate.objects.get()

    log_in(page, base_url, reviewer)
    page.goto(f"{base_url}/desk/duplicates/")
    page.click(f"a[href='/desk/duplicates/{pair.pk}/']")
    expect(page.locator("#duplicate-review")).to_contain_text(other.card_number)
    survivor_button = page.locator(
        f"form:has(input[name=survivor][value='{kept.member.pk}']) button"
    )
    survivor_button.click()

    page.wait_for_url(re.compile(r"/desk/duplicates/merges/\d+/$"))
    merge = Merge.objects.get()
    assert merge.survivor_id == kept.member.pk
    assert Card.objects.get(pk=other.pk).member_id == kept.member.pk

    page.click("#merge-detail form button")
    expect(page.locator("#merge-detail form")).to_have_count(0)
    merge.refresh_from_db()
    assert merge.status == Merge.Status.UNDONE
    assert Card.objects.get(pk=other.pk).member_id == other.member.pk
