"""Small builders for slip tests: a store, a household with an active card."""

from __future__ import annotations

from decimal import Decimal
from itertools import count

from lq_crm.doctype.card.models import Card
from lq_crm.doctype.member.models import Member
from lq_crm.doctype.product.models import ProductCategory
from lq_crm.doctype.region.models import Region
from lq_crm.doctype.slip.models import PurchaseSlip
from lq_crm.doctype.slip.services import LineInput, create_slip, submit_slip
from lq_crm.doctype.store.models import Store

sequence = count(1)


def make_store(city: Region, code: str = "JN001") -> Store:
    store, _created = Store.objects.get_or_create(
        code=code, defaults={"name": f"门店{code}", "city": city}
    )
    return store


def make_household(city: Region, name: str = "王建国") -> tuple[Member, Card]:
    member = Member.objects.create(name=name, city=city, phone="+8613912345678")
    card = Card.objects.create(
        card_number=f"LEGACY{next(sequence):06d}",
        member=member,
        status=Card.Status.ACTIVE,
        legacy=True,
    )
    return member, card


def lines(*amounts: str, category: str = "health") -> list[LineInput]:
    chosen = ProductCategory.objects.get(code=category)
    return [LineInput(category=chosen, amount=Decimal(amount)) for amount in amounts]


def submitted_slip(card: Card, store: Store, *amounts: str) -> PurchaseSlip:
    slip = create_slip(
        card=card,
        store=store,
        receipt_number=f"R{next(sequence):08d}",
        lines=lines(*amounts),
    )
    return submit_slip(slip)
