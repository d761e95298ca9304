"""A new household admitted by the purchase it makes at the counter."""

from decimal import Decimal

import pytest

from lq_crm.doctype.card.models import Card, CardBatch
from lq_crm.doctype.card.services import CardError, FirstPurchase, issue_card
from lq_crm.doctype.member.models import Member
from lq_crm.doctype.points.services import balance
from lq_crm.doctype.product.models import ProductCategory
from lq_crm.doctype.slip.models import PurchaseSlip
from lq_crm.doctype.slip.services import LineInput
from lq_crm.doctype.store.models import Store

pytestmark = pytest.mark.django_db


def purchase(store: Store, *amounts: str, receipt: str = "FIRST-1") -> FirstPurchase:
    health = ProductCategory.objects.get(code="health")
    return FirstPurchase(
        store=store,
        receipt_number=receipt,
        lines=[
            LineInput(category=health, amount=Decimal(amount)) for amount in amounts
        ],
    )


def test_purchase_reaching_amount_admits(
    batch: CardBatch, member: Member, store: Store
) -> None:
    card = batch.cards.order_by("serial").first()

    issued = issue_card(
        card,
        member,
        basis=Card.AdmissionBasis.QUALIFYING_SLIP,
        first_purchase=purchase(store, "150.00", "50.00"),
    )

    slip = PurchaseSlip.objects.get(card=issued)
    issued.refresh_from_db()
    assert issued.status == Card.Status.ACTIVE
    assert issued.admission_slip == slip
    assert slip.status == PurchaseSlip.Status.SUBMITTED
    assert slip.total == Decimal("200.00")
    assert balance(member) == 200


def test_purchase_short_of_amount_saves_nothing(
    batch: CardBatch, member: Member, store: Store
) -> None:
    card = batch.cards.order_by("serial").first()

    with pytest.raises(CardError, match=r"short of the admission amount"):
        issue_card(
            card,
            member,
            basis=Card.AdmissionBasis.QUALIFYING_SLIP,
            first_purchase=purchase(store, "199.99"),
        )

    card.refresh_from_db()
    assert card.status == Card.Status.IN_STOCK
    assert card.member_id is None
    assert not PurchaseSlip.objects.exists()
    assert balance(member) == 0


def test_first_purchase_needs_qualifying_basis(
    batch: CardBatch, member: Member, store: Store
) -> None:
    card = batch.cards.order_by("serial").first()

    with pytest.raises(CardError, match="qualifying-slip basis"):
        issue_card(
            card,
            member,
            basis=Card.AdmissionBasis.TRIP_PHOTO,
            note="photo",
            first_purchase=purchase(store, "500.00"),
        )

    assert not PurchaseSlip.objects.exists()
