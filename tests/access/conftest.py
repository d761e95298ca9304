"""Two cities' worth of records and office users, to test every path both ways.

Jinan and Qingdao each get a store, a household with a person, an active
card, a submitted slip (which writes points), a tier change, a city event
with a registration and a notification. A card in stock and a province-wide
event belong to no city.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.utils import timezone

from lq_crm.doctype.card.models import Card
from lq_crm.doctype.event.allocation import PersonInput, register
from lq_crm.doctype.event.models import Event, Registration
from lq_crm.doctype.member.models import HouseholdPerson, Member
from lq_crm.doctype.points.models import PointsLedgerEntry
from lq_crm.doctype.region.models import Region
from lq_crm.doctype.slip.models import PurchaseSlip
from lq_crm.doctype.store.models import Store
from lq_crm.doctype.tier.models import Tier, TierChange
from lq_crm.notify.models import Notification
from tests.conftest import make_user
from tests.events.builders import make_event
from tests.factories import submitted_slip

# Permissions the regional office role lacks but these tests exercise, so
# that a refusal can only come from the city scope.
EXTRA_OFFICE_PERMISSIONS = [
    ("notify", "view_notification"),
    ("notify", "change_notification"),
    ("card", "view_cardbatch"),
    ("store", "change_store"),
    ("store", "add_store"),
]


@dataclass
class CityRecords:
    city: Region
    district: Region
    store: Store
    member: Member
    person: HouseholdPerson
    card: Card
    slip: PurchaseSlip
    ledger_entry: PointsLedgerEntry
    tier_change: TierChange
    event: Event
    registration: Registration
    notification: Notification


def build_city(city: Region, tag: str, phone: str) -> CityRecords:
    district = Region.objects.filter(parent=city, level=Region.Level.DISTRICT).first()
    assert district is not None
    store = Store.objects.create(code=f"ACC-{tag}", name=f"{tag}门店", city=city)
    member = Member.objects.create(
        name=f"{tag}会员",
        city=city,
        district=district,
        phone=phone,
        address=f"{district.name}幸福路8号",
        birth_year=1961,
    )
    person = HouseholdPerson.objects.create(
        member=member,
        name=f"{tag}家人",
        phone=phone.replace("139", "138"),
        birth_year=1990,
    )

    card = Card.objects.create(
        card_number=f"ACC{tag}01",
        member=member,
        status=Card.Status.ACTIVE,
        issued_at=timezone.now(),
        legacy=True,
    )

    slip = submitted_slip(card, "120", store=store, receipt_number=f"R-{tag}")
    tier = Tier.objects.order_by("threshold").first()
    assert tier is not None
    tier_change = TierChange.objects.create(
        member=member,
        to_tier=tier,
        cause=TierChange.Cause.MIGRATION,
        spend=Decimal("120"),
    )

    event = make_event(title=f"{tag}活动", city=city)
    registration = register(event, card, [PersonInput(name=f"{tag}同行人")])
    notification = Notification.objects.create(
        key=f"access-test-{tag}",
        member=member,
        channel="sms",
        recipient=phone,
        body="您好",
    )
    return CityRecords(
        city=city,
        district=district,
        store=store,
        member=member,
        person=person,
        card=card,
        slip=slip,
        ledger_entry=PointsLedgerEntry.objects.filter(member=member).first(),  # type: ignore[arg-type]
        tier_change=tier_change,
        event=event,
        registration=registration,
        notification=notification,
    )


@dataclass
class World:
    jinan: CityRecords
    qingdao: CityRecords
    stock_card: Card
    province_event: Event

    def of(self, name: str) -> CityRecords:
        return getattr(self, name)


@pytest.fixture
def world(jinan: Region, qingdao: Region) -> World:
    return World(
        jinan=build_city(jinan, "济南", "+8613900000101"),
        qingdao=build_city(qingdao, "青岛", "+8613900000202"),
        stock_card=Card.objects.create(card_number="ACCSTOCK01", legacy=True),
        province_event=make_event(title="全省活动"),
    )


def office_user(username: str, city: Region) -> User:
    """A regional office user of ``city`` with a few extra model permissions."""
    user = make_user(username, "regional_office", [city])
    for app_label, codename in EXTRA_OFFICE_PERMISSIONS:
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return User.objects.get(pk=user.pk)


@pytest.fixture
def jinan_office(jinan: Region) -> User:
    return office_user("jinan-office", jinan)


@pytest.fixture
def qingdao_office(qingdao: Region) -> User:
    return office_user("qingdao-office", qingdao)


@pytest.fixture
def offices(jinan_office: User, qingdao_office: User) -> dict[str, User]:
    return {"jinan": jinan_office, "qingdao": qingdao_office}


# Each case is (the user's city, the other city), so every test runs both ways.
BOTH_WAYS = [("jinan", "qingdao"), ("qingdao", "jinan")]


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client
