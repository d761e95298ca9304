"""Demo data: stores, households, cards and slips that look like a live club.

Everything is generated from one seed, so two sites loaded with the same
seed hold the same people. Slips go through the slip services, so points,
qualifying spend, tiers and tier changes are the ones the club would have.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from faker import Faker
from stdnum import damm

from lq_crm.core.phones import InvalidPhoneError, normalise_phone
from lq_crm.doctype.card.models import Card
from lq_crm.doctype.member.models import Gender, HouseholdPerson, Member
from lq_crm.doctype.product.models import Product, ProductCategory
from lq_crm.doctype.region.models import Region
from lq_crm.doctype.slip.services import (
    LineInput,
    cancel_slip,
    create_slip,
)
from lq_crm.doctype.store.models import Store
from lq_crm.doctype.tier.models import Tier

logger = logging.getLogger(__name__)

# Demo households carry this legacy source, so a household with it means the
# demo is already loaded.
DEMO_SOURCE = "demo"
# Demo cards use serials from here on, far above the printed batches.
DEMO_FIRST_SERIAL = 90_000_001
PILOT_CITY = "济南市"

STORE_KINDS = ["隆力奇专卖店", "健康生活馆", "超市隆力奇专柜", "百货隆力奇专柜"]
PRODUCTS = {
    "health": [
        ("蜂胶软胶囊", "168.00"),
        ("大豆磷脂软胶囊", "138.00"),
        ("维生素C咀嚼片", "58.00"),
        ("钙加维生素D片", "98.00"),
    ],
    "cosmetics": [
        ("蛇油护手霜", "12.80"),
        ("珍珠保湿霜", "45.00"),
        ("橄榄精华乳", "68.00"),
        ("蛇油润肤膏", "19.90"),
    ],
    "daily": [
        ("洗衣液", "29.90"),
        ("草本牙膏", "15.80"),
        ("沐浴露", "32.00"),
        ("花露水", "9.90"),
    ],
}
OCCUPATIONS = [
    "教师",
    "工人",
    "医生",
    "护士",
    "个体经营",
    "公务员",
    "退休",
    "农民",
    "职员",
    "司机",
]
SIGNUP_WEIGHTS = {
    Member.SignupActivity.STORE: 50,
    Member.SignupActivity.COMMUNITY: 25,
    Member.SignupActivity.CAMPUS: 10,
    Member.SignupActivity.SNAKE_PARK_TRIP: 15,
}


@dataclass
class DemoCounts:
    stores: int = 0
    products: int = 0
    households: int = 0
    persons: int = 0
    cards: int = 0
    slips: int = 0
    cancelled: int = 0


class DemoLoader:
    """Generator of the demo rows, run inside the transaction of ``load_demo``."""

    def __init__(self, households: int, seed: int) -> None:
        self.household_count = households
        self.random = random.Random(seed)
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed)
        self.counts = DemoCounts()
        self.now = timezone.now()
        self.lowest_tier = Tier.objects.order_by("threshold").first()
        self.categories = {c.code: c for c in ProductCategory.objects.all()}
        self.cities = list(Region.objects.cities().prefetch_related("districts"))
        self.stores_by_city: dict[int, list[Store]] = {}
        self.products: list[Product] = []

    def run(self) -> DemoCounts:
        self.create_stores()
        self.create_products()
        for index in range(1, self.household_count + 1):
            self.create_household(index)
        return self.counts

    def create_stores(self) -> None:
        for city in self.cities:
            stores = []
            districts = list(city.districts.all()) or [city]
            for position in range(1, 3):
                district = self.random.choice(districts)
                kind = self.random.choice(STORE_KINDS)
                store, created = Store.objects.get_or_create(
                    code=f"DEMO-{city.adcode[:4]}-{position:02d}",
                    defaults={
                        "name": f"{district.name}{kind}",
                        "city": city,
                        "district": district if district != city else None,
                        "address": self.street_address(city, district),
                    },
                )
                self.counts.stores += created
                stores.append(store)
            self.stores_by_city[city.pk] = stores

    def create_products(self) -> None:
        for code, items in PRODUCTS.items():
            for position, (name, price) in enumerate(items, start=1):
                product, created = Product.objects.get_or_create(
                    code=f"DEMO-{code.upper()}-{position:02d}",
                    defaults={
                        "name": name,
                        "category": self.categories[code],
                        "price": Decimal(price),
                    },
                )
                self.counts.products += created
                self.products.append(product)

    def street_address(self, city: Region, district: Region) -> str:
        area = district.name if district != city else ""
        number = self.random.randint(1, 399)
        return f"{city.name}{area}{self.fake.street_name()}{number}号"

    def pick_city(self) -> Region:
        # Jinan, the pilot city, has about a quarter of the households.
        pilot = [city for city in self.cities if city.name == PILOT_CITY]
        if pilot and self.random.random() < 0.25:
            return pilot[0]
        return self.random.choice(self.cities)

    def demo_phone(self) -> str:
        for _attempt in range(10):
            try:
                return normalise_phone(self.fake.phone_number())
            except InvalidPhoneError:
                continue
        return ""

    def create_household(self, index: int) -> None:
        city = self.pick_city()
        districts = list(city.districts.all()) or [city]
        district = self.random.choice(districts)
        stores = self.stores_by_city[city.pk]
        joined_at = self.now - timedelta(days=self.random.randint(30, 720))

        member = self.create_member(index, city, district, stores, joined_at)
        self.create_persons(member)
        card = self.issue_card(member, index, joined_at)
        self.create_slips(member, card, stores, joined_at)

    def create_member(
        self,
        index: int,
        city: Region,
        district: Region,
        stores: list[Store],
        joined_at: datetime,
    ) -> Member:
        gender = self.random.choice([Gender.FEMALE, Gender.MALE])
        if gender == Gender.FEMALE:
            name = self.fake.name_female()
        else:
            name = self.fake.name_male()
        activity = self.random.choices(
            list(SIGNUP_WEIGHTS), weights=list(SIGNUP_WEIGHTS.values())
        )[0]
        signup_store = None
        if activity == Member.SignupActivity.STORE:
            signup_store = self.random.choice(stores)

        member = Member.objects.create(
            name=name,
            gender=gender,
            phone=self.demo_phone(),
            address=self.street_address(city, district),
            city=city,
            district=district if district != city else None,
            occupation=self.random.choice(OCCUPATIONS),
            birth_year=self.random.randint(1945, 2002),
            signup_activity=activity,
            signup_store=signup_store,
            signup_venue=self.signup_venue(activity, city, district),
            joined_on=timezone.localdate(joined_at),
            consent_given_at=joined_at,
            consent_method=Member.ConsentMethod.PAPER_FORM,
            consent_marketing=self.random.random() < 0.7,
            tier=self.lowest_tier,
            legacy_source=DEMO_SOURCE,
            legacy_id=f"demo-{index:05d}",
        )
        self.counts.households += 1
        return member

    def signup_venue(self, activity: str, city: Region, district: Region) -> str:
        if activity == Member.SignupActivity.COMMUNITY:
            return f"{district.name}{self.fake.street_name()}社区"
        if activity == Member.SignupActivity.CAMPUS:
            return f"{city.name.removesuffix('市')}职业学院"
        if activity == Member.SignupActivity.SNAKE_PARK_TRIP:
            return "万人游蛇园"
        return ""

    def create_persons(self, member: Member) -> None:
        persons = [
            HouseholdPerson(
                member=member,
                name=member.name,
                relation=HouseholdPerson.Relation.HEAD,
                gender=member.gender,
                birth_year=member.birth_year,
                phone=member.phone,
            )
        ]
        if self.random.random() < 0.6:
            spouse_gender = (
                Gender.MALE if member.gender == Gender.FEMALE else Gender.FEMALE
            )
            persons.append(
                HouseholdPerson(
                    member=member,
                    name=(
                        self.fake.name_male()
                        if spouse_gender == Gender.MALE
                        else self.fake.name_female()
                    ),
                    relation=HouseholdPerson.Relation.SPOUSE,
                    gender=spouse_gender,
                    birth_year=member.birth_year,
                    phone=self.demo_phone() if self.random.random() < 0.5 else "",
                )
            )
        if self.random.random() < 0.3:
            persons.append(
                HouseholdPerson(
                    member=member,
                    name=self.fake.name(),
                    relation=HouseholdPerson.Relation.CHILD,
                    birth_year=(member.birth_year or 1970)
                    + self.random.randint(22, 32),
                )
            )
        HouseholdPerson.objects.bulk_create(persons)
        self.counts.persons += len(persons)

    def issue_card(self, member: Member, index: int, issued_at: datetime) -> Card:
        serial = DEMO_FIRST_SERIAL + index - 1
        body = f"37{serial:08d}"
        card = Card.objects.create(
            card_number=body + damm.calc_check_digit(body),
            serial=serial,
            status=Card.Status.ACTIVE,
            member=member,
            issued_at=issued_at,
            admission_basis=self.random.choice(
                [
                    Card.AdmissionBasis.TRIP_PHOTO,
                    Card.AdmissionBasis.PRODUCT_BOX,
                    Card.AdmissionBasis.QUALIFYING_SLIP,
                ]
            ),
        )
        self.counts.cards += 1
        return card

    def create_slips(
        self, member: Member, card: Card, stores: list[Store], since: datetime
    ) -> None:
        days = max((self.now - since).days, 1)
        for number in range(1, self.random.randint(1, 4) + 1):
            day = since + timedelta(days=self.random.randint(0, days - 1))
            purchased_at = datetime.combine(
                timezone.localdate(day),
                time(self.random.randint(9, 20), self.random.randint(0, 59)),
                tzinfo=timezone.get_current_timezone(),
            )
            slip = create_slip(
                card=card,
                store=self.random.choice(stores),
                receipt_number=f"{member.legacy_id}-{number:02d}",
                lines=self.slip_lines(),
                purchased_at=min(purchased_at, self.now),
                submit=True,
            )
            self.counts.slips += 1
            if self.random.random() < 0.04:
                cancel_slip(slip, reason="演示：顾客退货")
                self.counts.cancelled += 1

    def slip_lines(self) -> list[LineInput]:
        lines = []
        for product in self.random.sample(self.products, self.random.randint(1, 3)):
            quantity = self.random.randint(1, 3)
            amount = (product.price or Decimal("10.00")) * quantity
            lines.append(
                LineInput(
                    category=product.category,
                    product=product,
                    quantity=quantity,
                    amount=amount,
                )
            )
        return lines


def demo_loaded() -> bool:
    return Member.objects.filter(legacy_source=DEMO_SOURCE).exists()


def load_demo(households: int = 300, seed: int = 2026) -> DemoCounts | None:
    """Load the demo data unless it is loaded, and return the counts of new rows.

    Returns None when the demo was already loaded. The whole load is one
    transaction, so an interrupted run leaves nothing behind and the next run
    starts again.
    """
    with transaction.atomic():
        if demo_loaded():
            logger.info("Demo data is already loaded; nothing added")
            return None

        counts = DemoLoader(households, seed).run()

    logger.info(
        "Demo data loaded: %s stores, %s products, %s households, %s persons, "
        "%s cards, %s slips (%s cancelled)",
        counts.stores,
        counts.products,
        counts.households,
        counts.persons,
        counts.cards,
        counts.slips,
        counts.cancelled,
    )
    return counts
