"""factory-boy factories for the club's documents.

Regions, tiers and product categories come from the shipped fixtures, which
``tests/conftest.py`` loads, so the factories look them up instead of
creating them.
"""

from __future__ import annotations

from decimal import Decimal

import factory
from django.contrib.auth.models import User
from django.utils import timezone
from factory.django import DjangoModelFactory
from stdnum import damm

from lq_crm.doctype.card.models import Card
from lq_crm.doctype.member.models import HouseholdPerson, Member
from lq_crm.doctype.product.models import Product, ProductCategory
from lq_crm.doctype.region.models import Region
from lq_crm.doctype.slip.models import PurchaseSlip
from lq_crm.doctype.slip.services import LineInput, create_slip, submit_slip
from lq_crm.doctype.store.models import Store
from lq_crm.doctype.tier.models import Tier

PASSWORD = "secret-pass-1"


def city_named(name: str) -> Region:
    return Region.objects.get(name=name, level=Region.Level.CITY)


def lowest_tier() -> Tier:
    return Tier.objects.order_by("threshold").first()  # type: ignore[return-value]


def card_number_for(serial: int) -> str:
    """Return the number printed on card ``serial``: "37", 8 digits, Damm digit."""
    body = f"37{serial:08d}"
    return body + damm.calc_check_digit(body)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj: User, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            obj.save()


class SuperuserFactory(UserFactory):
    username = factory.Sequence(lambda n: f"admin{n}")
    is_superuser = True


class StoreFactory(DjangoModelFactory):
    class Meta:
        model = Store

    code = factory.Sequence(lambda n: f"T{n:05d}")
    name = factory.Sequence(lambda n: f"测试门店{n}")
    city = factory.LazyFunction(lambda: city_named("济南市"))


class ProductFactory(DjangoModelFactory):
    class Meta:
        model = Product

    code = factory.Sequence(lambda n: f"P{n:05d}")
    name = factory.Sequence(lambda n: f"测试商品{n}")
    category = factory.LazyFunction(lambda: ProductCategory.objects.get(code="health"))
    price = Decimal("99.00")


class MemberFactory(DjangoModelFactory):
    class Meta:
        model = Member

    name = factory.Faker("name", locale="zh_CN")
    phone = factory.Sequence(lambda n: f"+86139{n:08d}")
    address = factory.Faker("street_name", locale="zh_CN")
    city = factory.LazyFunction(lambda: city_named("济南市"))
    consent_given_at = factory.LazyFunction(timezone.now)
    consent_method = Member.ConsentMethod.PAPER_FORM
    tier = factory.LazyFunction(lowest_tier)


class HouseholdPersonFactory(DjangoModelFactory):
    class Meta:
        model = HouseholdPerson

    member = factory.SubFactory(MemberFactory)
    name = factory.Faker("name", locale="zh_CN")
    relation = HouseholdPerson.Relation.SPOUSE


class CardFactory(DjangoModelFactory):
    class Meta:
        model = Card

    serial = factory.Sequence(lambda n: 10_000_000 + n)
    card_number = factory.LazyAttribute(lambda card: card_number_for(card.serial))
    status = Card.Status.ACTIVE
    member = factory.SubFactory(MemberFactory)
    issued_at = factory.LazyFunction(timezone.now)
    admission_basis = Card.AdmissionBasis.PRODUCT_BOX


def submitted_slip(
    card: Card,
    amount: Decimal | str,
    *,
    category_code: str = "health",
    store: Store | None = None,
    receipt_number: str | None = None,
) -> PurchaseSlip:
    """Create and submit a one-line slip through the slip services."""
    category = ProductCategory.objects.get(code=category_code)
    slip = create_slip(
        card=card,
        store=store or StoreFactory(),
        receipt_number=receipt_number or f"R{PurchaseSlip.objects.count() + 1:06d}",
        lines=[LineInput(category=category, amount=Decimal(amount))],
    )
    return submit_slip(slip)
