"""Member desk: search, phone normalisation on save, city scope, record links."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Permission, User
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lq_crm.access.models import CityScope
from lq_crm.doctype.card.models import Card
from lq_crm.doctype.member.models import HouseholdPerson, Member
from lq_crm.doctype.points.models import PointsLedgerEntry
from lq_crm.doctype.region.models import Region
from lq_crm.doctype.slip.models import PurchaseSlip
from lq_crm.doctype.tier.models import TierChange
from tests.conftest import make_user
from tests.factories import (
    PASSWORD,
    CardFactory,
    HouseholdPersonFactory,
    MemberFactory,
    StoreFactory,
    card_number_for,
    submitted_slip,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")

CHANGELIST = reverse("admin:member_member_changelist")


def search(client: Client, term: str) -> list[int]:
    response = client.get(CHANGELIST, {"q": term})
    assert response.status_code == 200
    return [member.pk for member in response.context["cl"].result_list]


@pytest.fixture
def households(db: None) -> tuple[Member, Member]:
    wang = MemberFactory(name="王秀英", phone="+8613912345678")
    li = MemberFactory(name="李建国", phone="+8613800001111")
    CardFactory(member=wang, serial=1, card_number=card_number_for(1))
    CardFactory(member=li, serial=2, card_number=card_number_for(2))
    return wang, li


def test_search_by_card_number(admin_client: Client, households: tuple) -> None:
    wang, _li = households

    assert search(admin_client, card_number_for(1)) == [wang.pk]


@pytest.mark.parametrize(
    "term",
    [
        "13912345678",
        "+86 139 1234 5678",
        "0086-139-1234-5678",
        "１３９１２３４５６７８",
    ],
)
def test_search_by_phone(admin_client: Client, households: tuple, term: str) -> None:
    wang, _li = households

    assert search(admin_client, term) == [wang.pk]


def test_search_by_household_person_phone(
    admin_client: Client, households: tuple
) -> None:
    _wang, li = households
    HouseholdPersonFactory(member=li, name="李娜", phone="+8615000002222")

    assert search(admin_client, "150 0000 2222") == [li.pk]


def test_search_by_name(admin_client: Client, households: tuple) -> None:
    _wang, li = households

    assert search(admin_client, "建国") == [li.pk]


def test_search_by_member_number(admin_client: Client, households: tuple) -> None:
    wang, _li = households

    assert search(admin_client, wang.number) == [wang.pk]


def test_list_shows_points_balance(admin_client: Client, households: tuple) -> None:
    from tests.factories import submitted_slip

    wang, _li = households
    submitted_slip(wang.cards.get(), "123.45")

    response = admin_client.get(CHANGELIST)
    row = next(m for m in response.context["cl"].result_list if m.pk == wang.pk)

    assert row.points_balance == 123
    assert "+86139****5678" in response.content.decode()


def member_form_data(jinan: Region, phone: str) -> dict[str, str]:
    return {
        "name": "张伟",
        "gender": "male",
        "phone": phone,
        "city": str(jinan.pk),
        "signup_activity": "store",
        "joined_on": "2026-03-01",
        "persons-TOTAL_FORMS": "1",
        "persons-INITIAL_FORMS": "0",
        "persons-MIN_NUM_FORMS": "0",
        "persons-MAX_NUM_FORMS": "1000",
        "persons-0-name": "张丽",
        "persons-0-relation": "spouse",
        "persons-0-gender": "female",
        "persons-0-phone": "0086 150-0000-3333",
    }


def test_add_member_normalises_phones(admin_client: Client, jinan: Region) -> None:
    response = admin_client.post(
        reverse("admin:member_member_add"),
        member_form_data(jinan, "+86 139-8765-4321"),
    )

    assert response.status_code == 302
    member = Member.objects.get(name="张伟")
    assert member.phone == "+8613987654321"
    assert HouseholdPerson.objects.get(member=member).phone == "+8615000003333"
    assert member.owner is not None


def test_add_member_rejects_invalid_phone(admin_client: Client, jinan: Region) -> None:
    response = admin_client.post(
        reverse("admin:member_member_add"), member_form_data(jinan, "139123")
    )

    assert response.status_code == 200
    assert not Member.objects.filter(name="张伟").exists()
    assert "139123" in str(response.context["adminform"].form.errors["phone"])


def test_qualifying_spend_is_read_only(admin_client: Client, jinan: Region) -> None:
    data = member_form_data(jinan, "13987654321") | {"qualifying_spend": "9999"}

    admin_client.post(reverse("admin:member_member_add"), data)

    assert Member.objects.get(name="张伟").qualifying_spend == 0


def client_for(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.mark.parametrize(
    ("clerk_fixture", "visible_city"),
    [("jinan_clerk", "济南市"), ("qingdao_clerk", "青岛市")],
)
def test_clerk_sees_own_city_only(
    request: pytest.FixtureRequest,
    jinan: Region,
    qingdao: Region,
    clerk_fixture: str,
    visible_city: str,
) -> None:
    jinan_member = MemberFactory(city=jinan)
    qingdao_member = MemberFactory(city=qingdao)
    client = Client()
    client.force_login(request.getfixturevalue(clerk_fixture))

    shown = search(client, "")

    expected = jinan_member if visible_city == "济南市" else qingdao_member
    other = qingdao_member if visible_city == "济南市" else jinan_member
    assert shown == [expected.pk]
    response = client.get(reverse("admin:member_member_change", args=[other.pk]))
    assert response.status_code == 302


def test_search_by_last_four_digits(admin_client: Client, households: tuple) -> None:
    wang, li = households

    assert search(admin_client, "5678") == [wang.pk]
    assert search(admin_client, "1111") == [li.pk]


def test_search_by_full_width_last_digits(
    admin_client: Client, households: tuple
) -> None:
    wang, _li = households

    assert search(admin_client, " ５６７８ ") == [wang.pk]


@pytest.mark.parametrize("term", ["1234", "678", "45678", "0000"])
def test_search_by_digits_not_ending_phone(
    admin_client: Client, households: tuple, term: str
) -> None:
    # 1234 is inside wang's number but not at its end. 678 and 45678 are
    # not four digits, so they match only as a name would.
    assert search(admin_client, term) == []


def test_search_by_last_digits_finds_several(admin_client: Client, db: None) -> None:
    first = MemberFactory(phone="+8613811110001")
    second = MemberFactory(phone="+8615922220001")
    MemberFactory(phone="+8613811110002")

    assert sorted(search(admin_client, "0001")) == sorted([first.pk, second.pk])


def test_search_by_household_person_name(
    admin_client: Client, households: tuple
) -> None:
    _wang, li = households
    HouseholdPersonFactory(member=li, name="李娜", phone="+8615000002222")

    assert search(admin_client, "李娜") == [li.pk]
    assert search(admin_client, "娜") == [li.pk]


def test_search_lists_household_once(admin_client: Client, households: tuple) -> None:
    wang, _li = households
    HouseholdPersonFactory(member=wang, name="王秀兰")
    HouseholdPersonFactory(member=wang, name="王秀梅")

    assert search(admin_client, "王秀") == [wang.pk]


def test_search_words_match_different_people(
    admin_client: Client, households: tuple
) -> None:
    wang, _li = households
    HouseholdPersonFactory(member=wang, name="赵春梅")

    assert search(admin_client, "秀英 春梅") == [wang.pk]
    assert search(admin_client, f"春梅 {card_number_for(1)}") == [wang.pk]
    assert search(admin_client, "秀英 建国") == []


def test_search_by_quoted_phrase(admin_client: Client, households: tuple) -> None:
    _wang, li = households
    HouseholdPersonFactory(member=li, name="Li Na")

    assert search(admin_client, '"li na"') == [li.pk]
    assert search(admin_client, '"na li"') == []


@pytest.mark.parametrize(
    ("clerk_fixture", "found_city"),
    [("jinan_clerk", "济南市"), ("qingdao_clerk", "青岛市")],
)
def test_ending_and_person_search_scoped(
    request: pytest.FixtureRequest,
    jinan: Region,
    qingdao: Region,
    clerk_fixture: str,
    found_city: str,
) -> None:
    jinan_member = MemberFactory(city=jinan, phone="+8613811117657")
    qingdao_member = MemberFactory(city=qingdao, phone="+8613922227657")
    HouseholdPersonFactory(member=jinan_member, name="赵春梅")
    HouseholdPersonFactory(member=qingdao_member, name="赵春梅")
    client = Client()
    client.force_login(request.getfixturevalue(clerk_fixture))

    expected = jinan_member if found_city == "济南市" else qingdao_member
    assert search(client, "7657") == [expected.pk]
    assert search(client, "赵春梅") == [expected.pk]


@dataclass
class Household:
    member: Member
    current_card: Card
    old_card: Card
    jinan_slips: list[PurchaseSlip]
    qingdao_slip: PurchaseSlip


@pytest.fixture
def household(jinan: Region, qingdao: Region) -> Household:
    """Build a Jinan household with records, beside another with its own.

    The household's third slip is at a Qingdao store, so a Jinan office lists
    two of its three slips. Its 2,100 yuan of spend moves it up three tiers.
    The other household's slip and tier change prove that each list is
    filtered to one household.
    """
    member = MemberFactory(name="王秀英", city=jinan)
    old_card = CardFactory(member=member, status=Card.Status.REPLACED)
    current_card = CardFactory(member=member, status=Card.Status.ACTIVE)
    jinan_store = StoreFactory(city=jinan)
    jinan_slips = [
        submitted_slip(current_card, "600.00", store=jinan_store),
        submitted_slip(current_card, "500.00", store=jinan_store),
    ]
    qingdao_slip = submitted_slip(
        current_card, "1000.00", store=StoreFactory(city=qingdao)
    )
    neighbour = MemberFactory(name="李建国", city=jinan)
    submitted_slip(CardFactory(member=neighbour), "700.00", store=jinan_store)
    return Household(member, current_card, old_card, jinan_slips, qingdao_slip)


def change_page(client: Client, member: Member) -> str:
    response = client.get(
        reverse("admin:member_member_change", args=[member.pk]),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    return response.content.decode()


def records_url(model: type[models.Model], member: Member) -> str:
    meta = model._meta
    url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
    return f"{url}?member={member.pk}"


def record_link(model: type[models.Model], member: Member, text: str) -> str:
    return f'<a href="{records_url(model, member)}" class="text-link">{text}</a>'


def listed_pks(client: Client, model: type[models.Model], member: Member) -> set[int]:
    response = client.get(records_url(model, member))
    assert response.status_code == 200
    return {row.pk for row in response.context["cl"].result_list}


def test_record_links_for_head_office(
    admin_client: Client, household: Household
) -> None:
    member = household.member

    page = change_page(admin_client, member)

    assert record_link(Card, member, "2 cards") in page
    assert record_link(PurchaseSlip, member, "3 purchase slips") in page
    assert record_link(PointsLedgerEntry, member, "3 points ledger entries") in page
    assert record_link(TierChange, member, "3 tier changes") in page


def test_record_links_in_chinese(admin_client: Client, household: Household) -> None:
    member = household.member

    response = admin_client.get(reverse("admin:member_member_change", args=[member.pk]))
    page = response.content.decode()

    assert record_link(PurchaseSlip, member, "消费单 3 张") in page
    assert record_link(TierChange, member, "等级变动 3 次") in page
    assert "相关记录" in page


@pytest.mark.parametrize("model", [Card, PurchaseSlip, PointsLedgerEntry, TierChange])
def test_record_link_opens_household_rows(
    admin_client: Client, household: Household, model: type[models.Model]
) -> None:
    member = household.member
    own = set(model._default_manager.filter(member=member).values_list("pk", flat=True))
    others = model._default_manager.exclude(member=member)

    assert others.exists()
    assert listed_pks(admin_client, model, member) == own


def test_record_links_for_jinan_office(jinan: Region, household: Household) -> None:
    client = Client()
    client.force_login(make_user("jinan-office", "regional_office", [jinan]))
    member = household.member

    page = change_page(client, member)

    assert record_link(PurchaseSlip, member, "2 purchase slips") in page
    slips = listed_pks(client, PurchaseSlip, member)
    assert slips == {slip.pk for slip in household.jinan_slips}
    assert household.qingdao_slip.pk not in slips
    # Ledger entries and tier changes follow the household's city, so the
    # Qingdao slip's entry and tier change stay in the Jinan office's lists.
    assert record_link(PointsLedgerEntry, member, "3 points ledger entries") in page
    entries = PointsLedgerEntry.objects.filter(member=member)
    assert listed_pks(client, PointsLedgerEntry, member) == {e.pk for e in entries}
    assert record_link(TierChange, member, "3 tier changes") in page
    assert record_link(Card, member, "2 cards") in page


def test_record_list_shows_household_filter(
    admin_client: Client, household: Household
) -> None:
    member = household.member

    response = admin_client.get(records_url(PurchaseSlip, member))

    changelist = response.context["cl"]
    assert changelist.has_active_filters
    assert str(member) in response.content.decode()


def test_other_city_household_filter_shows_nothing(
    qingdao: Region, household: Household
) -> None:
    client = Client()
    client.force_login(make_user("qingdao-office", "regional_office", [qingdao]))
    member = household.member

    response = client.get(records_url(Card, member))

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []
    assert member.name not in response.content.decode()


def test_record_links_without_view_permission(
    jinan_clerk: User, household: Household
) -> None:
    client = Client()
    client.force_login(jinan_clerk)
    member = household.member

    page = change_page(client, member)

    assert record_link(Card, member, "2 cards") in page
    assert record_link(PurchaseSlip, member, "2 purchase slips") in page
    assert records_url(PointsLedgerEntry, member) not in page
    assert records_url(TierChange, member) not in page


def test_record_links_of_new_household(admin_client: Client, db: None) -> None:
    member = MemberFactory()

    page = change_page(admin_client, member)

    assert record_link(Card, member, "0 cards") in page
    assert record_link(PurchaseSlip, member, "0 purchase slips") in page


def card_link(card: Card) -> str:
    url = reverse("admin:card_card_change", args=[card.pk])
    return f'<a href="{url}" class="text-link">{card.card_number}</a>'


def test_cards_link_with_status(admin_client: Client, household: Household) -> None:
    page = change_page(admin_client, household.member)

    current = card_link(household.current_card)
    old = card_link(household.old_card)
    assert f"{current} (Active, current card)" in page
    assert f"{old} (Replaced)" in page
    assert page.index(current) < page.index(old)


def test_single_card_not_marked_current(admin_client: Client, db: None) -> None:
    card = CardFactory(status=Card.Status.ISSUED)

    page = change_page(admin_client, card.member)

    assert f"{card_link(card)} (Issued)" in page
    assert "current card" not in page


def member_viewer(city: Region) -> User:
    """Return a user of ``city`` who may view households but not cards."""
    user = User.objects.create_user("member-viewer", password=PASSWORD, is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="member", codename="view_member")
    )
    CityScope.objects.create(user=user).cities.set([city])
    return user


def test_cards_unlinked_without_view_permission(
    jinan: Region, household: Household
) -> None:
    client = Client()
    client.force_login(member_viewer(jinan))
    card = household.current_card

    page = change_page(client, household.member)

    assert f"{card.card_number} (Active, current card)" in page
    assert reverse("admin:card_card_change", args=[card.pk]) not in page
    for model in (Card, PurchaseSlip, PointsLedgerEntry, TierChange):
        assert records_url(model, household.member) not in page


def test_unchanged_save_keeps_member(admin_client: Client, jinan: Region) -> None:
    consent = datetime(2025, 12, 16, 7, 34, 37, 461426, tzinfo=SHANGHAI)
    member = MemberFactory(city=jinan, consent_given_at=consent)
    rows_before = member.history.count()
    local = timezone.localtime(consent)
    data = {
        "name": member.name,
        "gender": member.gender,
        "phone": member.phone,
        "city": str(member.city_id),
        "signup_activity": member.signup_activity,
        "joined_on": member.joined_on.isoformat(),
        # A field with a callable default is sent with its initial value too.
        "initial-joined_on": member.joined_on.isoformat(),
        "address": member.address,
        "consent_method": member.consent_method,
        # The time input shows minutes, as a browser sends it back.
        "consent_given_at_0": local.date().isoformat(),
        "consent_given_at_1": local.strftime("%H:%M"),
        "persons-TOTAL_FORMS": "0",
        "persons-INITIAL_FORMS": "0",
        "persons-MIN_NUM_FORMS": "0",
        "persons-MAX_NUM_FORMS": "1000",
    }

    response = admin_client.post(
        reverse("admin:member_member_change", args=[member.pk]), data
    )

    assert response.status_code == 302, response.content[:3000]
    member.refresh_from_db()
    assert member.consent_given_at == consent
    assert member.history.count() == rows_before
