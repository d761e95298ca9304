"""Contact details, phone change by code, consent and the personal data export."""

from __future__ import annotations

import json
from io import BytesIO

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from lq_crm.doctype.card.models import Card
from lq_crm.doctype.event.allocation import PersonInput, register
from lq_crm.doctype.member.models import Member
from lq_crm.doctype.slip.services import cancel_slip
from lq_crm.exports.models import ExportRecord
from lq_crm.portal.member.account import AccountError, record_consent
from lq_crm.portal.member.models import ConsentChange, LoginCode
from lq_crm.portal.member.session import MEMBER_KEY
from tests.events.builders import make_event
from tests.factories import HouseholdPersonFactory, submitted_slip

from .test_member_support import (
    code_messages,
    household_with_card,
    last_code,
    request_code,
    sign_in,
)

pytestmark = pytest.mark.django_db

PHONE = "+8613855550001"
NEW_PHONE = "+8613955550002"
ACCOUNT_URL = reverse("member_portal:account")
DATA_URL = reverse("member_portal:personal-data")


@pytest.fixture
def own_card(client: Client) -> Card:
    _member, card = household_with_card(PHONE, email="old@example.com")
    sign_in(client, PHONE)
    return card


def test_contact_update_saved(client: Client, own_card: Card) -> None:
    response = client.post(
        ACCOUNT_URL, {"address": "历下区泉城路1号", "email": "new@example.com"}
    )

    assert response.status_code == 302
    member = Member.objects.get(pk=own_card.member_id)
    assert member.address == "历下区泉城路1号"
    assert member.email == "new@example.com"
    latest = member.history.latest()
    assert latest.history_change_reason == "member portal"


def test_invalid_email_rejected(client: Client, own_card: Card) -> None:
    response = client.post(ACCOUNT_URL, {"address": "x", "email": "not-an-email"})

    assert response.status_code == 200
    assert "valid email" in response.content.decode()
    assert Member.objects.get(pk=own_card.member_id).email == "old@example.com"


def test_phone_change_needs_code(client: Client, own_card: Card) -> None:
    response = client.post(reverse("member_portal:change-phone"), {"phone": NEW_PHONE})

    assert response["Location"] == reverse("member_portal:change-phone-code")
    assert Member.objects.get(pk=own_card.member_id).phone == PHONE
    message = code_messages(NEW_PHONE)[0]
    assert message.recipient == NEW_PHONE
    assert message.member == own_card.member

    wrong = f"{(int(last_code(NEW_PHONE)) + 1) % 1_000_000:06d}"
    response = client.post(reverse("member_portal:change-phone-code"), {"code": wrong})
    assert response.status_code == 200
    assert Member.objects.get(pk=own_card.member_id).phone == PHONE

    response = client.post(
        reverse("member_portal:change-phone-code"), {"code": last_code(NEW_PHONE)}
    )
    assert response["Location"] == ACCOUNT_URL
    assert Member.objects.get(pk=own_card.member_id).phone == NEW_PHONE


def test_new_phone_signs_in(client: Client, own_card: Card) -> None:
    client.post(reverse("member_portal:change-phone"), {"phone": NEW_PHONE})
    client.post(
        reverse("member_portal:change-phone-code"), {"code": last_code(NEW_PHONE)}
    )
    client.post(reverse("member_portal:sign-out"))
    cache.delete(f"portal-hold:code-phone:{NEW_PHONE}")

    sign_in(client, NEW_PHONE)

    assert client.session[MEMBER_KEY] == own_card.member_id


def test_sign_in_code_cannot_change_phone(client: Client, own_card: Card) -> None:
    household_with_card(NEW_PHONE)
    client.post(reverse("member_portal:change-phone"), {"phone": NEW_PHONE})
    change_code = last_code(NEW_PHONE)
    cache.delete(f"portal-hold:code-phone:{NEW_PHONE}")
    request_code(Client(), NEW_PHONE)
    sign_in_code = last_code(NEW_PHONE)
    assert LoginCode.objects.filter(phone=NEW_PHONE).count() == 2

    confirm_url = reverse("member_portal:change-phone-code")
    client.post(confirm_url, {"code": sign_in_code})
    unchanged = Member.objects.get(pk=own_card.member_id).phone
    client.post(confirm_url, {"code": change_code})

    assert unchanged == PHONE
    assert Member.objects.get(pk=own_card.member_id).phone == NEW_PHONE


def test_marketing_consent_recorded(client: Client, own_card: Card) -> None:
    client.post(reverse("member_portal:consent"), {"consent_marketing": "on"})
    client.post(reverse("member_portal:consent"), {"consent_marketing": "on"})
    client.post(reverse("member_portal:consent"), {})

    member = Member.objects.get(pk=own_card.member_id)
    assert member.consent_marketing is False
    changes = list(ConsentChange.objects.filter(member=member).order_by("pk"))
    assert [change.given for change in changes] == [True, False]
    assert all(change.kind == ConsentChange.Kind.MARKETING for change in changes)
    assert all(change.method == Member.ConsentMethod.ONLINE for change in changes)
    assert changes[0].ip_address == "127.0.0.1"
    assert changes[0].recorded_at is not None
    html = client.get(ACCOUNT_URL).content.decode()
    assert "Choices you made here" in html


def test_data_use_consent_given_once(own_card: Card) -> None:
    member = own_card.member
    Member.objects.filter(pk=member.pk).update(consent_given_at=None, consent_method="")
    member.refresh_from_db()

    first = record_consent(member, ConsentChange.Kind.DATA_USE, True, None)
    second = record_consent(member, ConsentChange.Kind.DATA_USE, True, None)

    member.refresh_from_db()
    assert first is not None
    assert second is None
    assert member.consent_given_at is not None
    assert member.consent_method == Member.ConsentMethod.ONLINE
    with pytest.raises(AccountError, match="service centre"):
        record_consent(member, ConsentChange.Kind.DATA_USE, False, None)


def household_with_history(card: Card) -> dict[str, object]:
    member = card.member
    person = HouseholdPersonFactory(
        member=member, name="赵小明", phone="+8613755550009"
    )
    kept = submitted_slip(card, "600.00")
    cancelled = submitted_slip(card, "40.00")
    cancel_slip(cancelled, reason="退货")
    event = make_event(title="蛇园一日游")
    registration = register(event, card, [PersonInput(person=person)])
    record_consent(member, ConsentChange.Kind.MARKETING, True, None)
    return {
        "person": person,
        "slips": [kept, cancelled],
        "registration": registration,
    }


def test_data_download_json(client: Client, own_card: Card) -> None:
    history = household_with_history(own_card)
    other_card = household_with_card("+8613855550077")[1]
    other_slip = submitted_slip(other_card, "99.00")

    response = client.get(DATA_URL, {"format": "json"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    member = Member.objects.get(pk=own_card.member_id)
    assert data["member"]["number"] == member.number
    assert data["member"]["phone"] == PHONE
    assert data["member"]["email"] == "old@example.com"
    assert [person["name"] for person in data["persons"]] == ["赵小明"]
    assert data["persons"][0]["phone"] == "+8613755550009"
    assert [card["card_number"] for card in data["cards"]] == [own_card.card_number]
    slips = history["slips"]
    assert [slip["number"] for slip in data["slips"]] == [s.number for s in slips]
    assert [slip["total"] for slip in data["slips"]] == ["600.00", "40.00"]
    assert len(data["slip_lines"]) == 2
    assert sum(entry["points"] for entry in data["points"]) > 0
    assert len(data["points"]) == 3
    registration = history["registration"]
    assert data["registrations"][0]["number"] == registration.number
    assert data["registrations"][0]["persons"] == "赵小明"
    assert data["tier_changes"][0]["to_tier"] == member.tier.name
    assert data["consent_changes"][0]["given"] is True
    assert other_slip.number not in response.content.decode()
    assert other_card.card_number not in response.content.decode()


def test_data_download_xlsx(client: Client, own_card: Card) -> None:
    history = household_with_history(own_card)

    response = client.get(DATA_URL, {"format": "xlsx"})

    assert response.status_code == 200
    workbook = load_workbook(BytesIO(response.content))
    assert len(workbook.sheetnames) == 9
    household_sheet = workbook.worksheets[0]
    header = [cell.value for cell in household_sheet[1]]
    values = dict(zip(header, [cell.value for cell in household_sheet[2]], strict=True))
    assert values["phone"] == PHONE
    slips_sheet = workbook.worksheets[3]
    numbers = [row[0] for row in slips_sheet.iter_rows(min_row=2, values_only=True)]
    assert numbers == [slip.number for slip in history["slips"]]  # type: ignore[attr-defined]
    registration_sheet = workbook.worksheets[6]
    assert registration_sheet.max_row == 2


def test_data_download_recorded(client: Client, own_card: Card) -> None:
    client.get(DATA_URL, {"format": "json"})

    record = ExportRecord.objects.get()
    assert record.source == "portal_member.personal_data"
    assert record.user is None
    assert record.rows >= 2


def test_data_download_bad_format(client: Client, own_card: Card) -> None:
    response = client.get(DATA_URL, {"format": "csv"})

    assert response["Location"] == ACCOUNT_URL
    assert not ExportRecord.objects.exists()
