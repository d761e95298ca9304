from decimal import Decimal

import pytest

from lq_crm.doctype.card.models import Card
from lq_crm.doctype.region.models import Region
from lq_crm.doctype.slip.models import PurchaseSlip
from lq_crm.doctype.slip.services import (
    DuplicateReceiptError,
    SlipError,
    amend_slip,
    cancel_slip,
    create_slip,
    submit_slip,
)

from .builders import lines, make_household, make_store, submitted_slip

pytestmark = pytest.mark.django_db


def test_negative_amount_rejected(jinan: Region) -> None:
    _member, card = make_household(jinan)

    with pytest.raises(SlipError, match="negative"):
        create_slip(
            card=card,
            store=make_store(jinan),
            receipt_number="N-1",
            lines=lines("-1.00"),
        )

    assert not PurchaseSlip.objects.exists()


def test_three_decimal_amount_rejected(jinan: Region) -> None:
    _member, card = make_household(jinan)

    with pytest.raises(SlipError, match="two decimal places"):
        create_slip(
            card=card,
            store=make_store(jinan),
            receipt_number="N-2",
            lines=lines("1.005"),
        )


def test_zero_amount_gift_allowed(jinan: Region) -> None:
    _member, card = make_household(jinan)

    slip = submitted_slip(card, make_store(jinan), "0.00")

    assert slip.total == Decimal("0.00")


def test_duplicate_receipt_names_existing_slip(jinan: Region) -> None:
    _member, card = make_household(jinan)
    store = make_store(jinan)
    first = create_slip(
        card=card, store=store, receipt_number="R-77", lines=lines("9.00")
    )

    with pytest.raises(DuplicateReceiptError) as caught:
        create_slip(card=card, store=store, receipt_number="R-77", lines=lines("9.00"))

    assert first.number in str(caught.value)
    assert PurchaseSlip.objects.count() == 1


def test_same_receipt_at_other_store_allowed(jinan: Region) -> None:
    _member, card = make_household(jinan)
    create_slip(
        card=card,
        store=make_store(jinan, "JN001"),
        receipt_number="R-1",
        lines=lines("1"),
    )

    create_slip(
        card=card,
        store=make_store(jinan, "JN002"),
        receipt_number="R-1",
        lines=lines("1"),
    )

    assert PurchaseSlip.objects.count() == 2


def test_amend_reuses_receipt_of_cancelled_slip(jinan: Region) -> None:
    member, card = make_household(jinan)
    slip = submitted_slip(card, make_store(jinan), "120.00")
    cancel_slip(slip)

    draft = amend_slip(slip)

    assert draft.status == PurchaseSlip.Status.DRAFT
    assert draft.amended_from == slip
    assert draft.receipt_number == slip.receipt_number
    assert [line.amount for line in draft.lines.all()] == [Decimal("120.00")]
    submit_slip(draft)
    member.refresh_from_db()
    assert member.qualifying_spend == Decimal("120.00")


def test_amend_refused_for_submitted_and_twice(jinan: Region) -> None:
    _member, card = make_household(jinan)
    slip = submitted_slip(card, make_store(jinan), "10.00")

    with pytest.raises(SlipError, match="can be amended; cancel it first"):
        amend_slip(slip)

    cancel_slip(slip)
    amend_slip(slip)
    with pytest.raises(SlipError, match="already been amended"):
        amend_slip(slip)


def test_lost_card_cannot_take_slips(jinan: Region) -> None:
    _member, card = make_household(jinan)
    card.status = Card.Status.LOST
    card.save()

    with pytest.raises(SlipError, match="cannot be used"):
        create_slip(
            card=card, store=make_store(jinan), receipt_number="L-1", lines=lines("1")
        )


def test_number_is_readable_and_findable(jinan: Region) -> None:
    _member, card = make_household(jinan)
    slip = submitted_slip(card, make_store(jinan), "1.00")

    assert slip.number.startswith("PS-")
    assert PurchaseSlip.objects.by_number(slip.number).get() == slip
    assert PurchaseSlip.objects.by_number("PS-2026-x").count() == 0
