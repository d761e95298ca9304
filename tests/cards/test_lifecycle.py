"""Issuing, losing, blocking, unblocking and replacing cards."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lq_crm.doctype.card.models import Card, CardBatch
from lq_crm.doctype.card.services import (
    CardError,
    block_card,
    get_usable_card,
    issue_card,
    replace_card,
    report_lost,
    unblock_card,
)
from lq_crm.doctype.club.models import ClubSettings
from lq_crm.doctype.member.models import Member
from lq_crm.doctype.points.services import balance
from lq_crm.doctype.product.models import ProductCategory
from lq_crm.doctype.region.models import Region
from lq_crm.doctype.slip.services import LineInput, SlipError, create_slip
from lq_crm.doctype.store.models import Store
from lq_crm.doctype.tier.models import Tier
from tests.cards.conftest import (
    issue_by_photo,
    make_batch,
    make_member,
    record_slip,
)


def stock_card(batch: CardBatch, index: int = 0) -> Card:
    return batch.cards.order_by("serial")[index]


def set_status(card: Card, status: str) -> Card:
    Card.objects.filter(pk=card.pk).update(status=status)
    card.refresh_from_db()
    return card


# Issue ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "basis", [Card.AdmissionBasis.TRIP_PHOTO, Card.AdmissionBasis.PRODUCT_BOX]
)
def test_issue_with_note(batch: CardBatch, member: Member, basis: str) -> None:
    card = issue_card(stock_card(batch), member, basis=basis, note=" shown at desk ")

    card.refresh_from_db()
    assert card.status == Card.Status.ISSUED
    assert card.member == member
    assert card.issued_at is not None
    assert card.admission_basis == basis
    assert card.admission_note == "shown at desk"
    assert card.history.first().history_change_reason == "发卡"
    assert get_usable_card(card.card_number) == card


def test_issue_without_note_rejected(batch: CardBatch, member: Member) -> None:
    with pytest.raises(CardError, match="admission note is missing"):
        issue_card(
            stock_card(batch), member, basis=Card.AdmissionBasis.TRIP_PHOTO, note=" "
        )


@pytest.mark.parametrize(
    "basis", [Card.AdmissionBasis.LEGACY, Card.AdmissionBasis.REPLACEMENT]
)
def test_issue_other_basis_rejected(
    batch: CardBatch, member: Member, basis: str
) -> None:
    with pytest.raises(CardError, match="cannot be chosen"):
        issue_card(stock_card(batch), member, basis=basis, note="x")


def test_issue_card_not_in_stock_rejected(
    issued_card: Card, batch: CardBatch, jinan: Region
) -> None:
    other = make_member(jinan, "李强")

    with pytest.raises(CardError, match="only a card that is In stock can be issued"):
        issue_by_photo(issued_card, other)


def test_issue_second_usable_card_rejected(
    issued_card: Card, batch: CardBatch, member: Member
) -> None:
    with pytest.raises(CardError) as raised:
        issue_by_photo(stock_card(batch, 1), member)

    assert issued_card.card_number in str(raised.value)
    assert stock_card(batch, 1).status == Card.Status.IN_STOCK


def test_issue_qualifying_slip(
    issued_card: Card, batch: CardBatch, member: Member, store: Store
) -> None:
    slip = record_slip(issued_card, store, "200.00", "R-200")
    report_lost(issued_card)

    card = issue_card(
        stock_card(batch, 1),
        member,
        basis=Card.AdmissionBasis.QUALIFYING_SLIP,
        slip=slip,
    )

    assert card.admission_slip == slip
    assert card.status == Card.Status.ISSUED


def test_issue_slip_short_gives_missing(
    issued_card: Card, batch: CardBatch, member: Member, store: Store
) -> None:
    ClubSettings.objects.update_or_create(
        pk=1, defaults={"admission_amount": Decimal("200.00")}
    )
    slip = record_slip(issued_card, store, "150.50", "R-150")
    report_lost(issued_card)

    with pytest.raises(CardError) as raised:
        issue_card(
            stock_card(batch, 1),
            member,
            basis=Card.AdmissionBasis.QUALIFYING_SLIP,
            slip=slip,
        )

    assert "49.50" in str(raised.value)
    assert "200.00" in str(raised.value)


def test_issue_slip_of_other_household_rejected(
    issued_card: Card, batch: CardBatch, store: Store, jinan: Region
) -> None:
    slip = record_slip(issued_card, store, "300.00", "R-300")
    stranger = make_member(jinan, "张伟")

    with pytest.raises(CardError, match="another household"):
        issue_card(
            stock_card(batch, 1),
            stranger,
            basis=Card.AdmissionBasis.QUALIFYING_SLIP,
            slip=slip,
        )


def test_issue_draft_slip_rejected(
    issued_card: Card, batch: CardBatch, member: Member, store: Store
) -> None:
    slip = record_slip(issued_card, store, "300.00", "R-DRAFT", submit=False)
    block_card(issued_card)

    with pytest.raises(CardError, match="only a submitted slip"):
        issue_card(
            stock_card(batch, 1),
            member,
            basis=Card.AdmissionBasis.QUALIFYING_SLIP,
            slip=slip,
        )


def test_issue_missing_slip_rejected(batch: CardBatch, member: Member) -> None:
    with pytest.raises(CardError, match="qualifying slip is missing"):
        issue_card(stock_card(batch), member, basis=Card.AdmissionBasis.QUALIFYING_SLIP)


def test_issue_slip_used_twice_rejected(
    issued_card: Card, batch: CardBatch, member: Member, store: Store
) -> None:
    slip = record_slip(issued_card, store, "300.00", "R-TWICE")
    report_lost(issued_card)
    second = issue_card(
        stock_card(batch, 1),
        member,
        basis=Card.AdmissionBasis.QUALIFYING_SLIP,
        slip=slip,
    )
    block_card(second)

    with pytest.raises(CardError, match="already admitted"):
        issue_card(
            stock_card(batch, 2),
            member,
            basis=Card.AdmissionBasis.QUALIFYING_SLIP,
            slip=slip,
        )


# Lost, blocked, unblocked -----------------------------------------------------


def test_report_lost(issued_card: Card) -> None:
    report_lost(issued_card)

    issued_card.refresh_from_db()
    assert issued_card.status == Card.Status.LOST
    assert issued_card.history.first().history_change_reason == "挂失"
    with pytest.raises(CardError, match="Reported lost"):
        get_usable_card(issued_card.card_number)


@pytest.mark.parametrize(
    "status",
    [
        Card.Status.IN_STOCK,
        Card.Status.LOST,
        Card.Status.BLOCKED,
        Card.Status.REPLACED,
    ],
)
def test_report_lost_wrong_state(issued_card: Card, status: str) -> None:
    set_status(issued_card, status)

    with pytest.raises(CardError, match="cannot be reported lost"):
        report_lost(issued_card)


@pytest.mark.parametrize(
    "status",
    [Card.Status.ISSUED, Card.Status.ACTIVE, Card.Status.LOST, Card.Status.IN_STOCK],
)
def test_block_allowed_states(issued_card: Card, status: str) -> None:
    set_status(issued_card, status)

    block_card(issued_card)

    issued_card.refresh_from_db()
    assert issued_card.status == Card.Status.BLOCKED


@pytest.mark.parametrize("status", [Card.Status.BLOCKED, Card.Status.REPLACED])
def test_block_wrong_state(issued_card: Card, status: str) -> None:
    set_status(issued_card, status)

    with pytest.raises(CardError, match="cannot be blocked"):
        block_card(issued_card)


def test_unblock_issued_card_without_slips(issued_card: Card) -> None:
    block_card(issued_card)

    unblock_card(issued_card)

    issued_card.refresh_from_db()
    assert issued_card.status == Card.Status.ISSUED


def test_unblock_card_with_slips_active(issued_card: Card, store: Store) -> None:
    record_slip(issued_card, store, "50.00", "R-50")
    report_lost(issued_card)

    unblock_card(issued_card)

    issued_card.refresh_from_db()
    assert issued_card.status == Card.Status.ACTIVE


def test_unblock_stock_card_returns_to_stock(batch: CardBatch) -> None:
    card = block_card(stock_card(batch))

    unblock_card(card)

    card.refresh_from_db()
    assert card.status == Card.Status.IN_STOCK


@pytest.mark.parametrize(
    "status", [Card.Status.ISSUED, Card.Status.ACTIVE, Card.Status.REPLACED]
)
def test_unblock_wrong_state(issued_card: Card, status: str) -> None:
    set_status(issued_card, status)

    with pytest.raises(CardError, match="cannot be unblocked"):
        unblock_card(issued_card)


def test_unblock_when_household_has_other_card(
    issued_card: Card, batch: CardBatch, member: Member
) -> None:
    report_lost(issued_card)
    other = issue_by_photo(stock_card(batch, 1), member)

    with pytest.raises(CardError, match=other.card_number):
        unblock_card(issued_card)

    issued_card.refresh_from_db()
    assert issued_card.status == Card.Status.LOST


# Replace ----------------------------------------------------------------------


def test_replace_takes_lowest_stock_serial(issued_card: Card, batch: CardBatch) -> None:
    report_lost(issued_card)

    new = replace_card(issued_card)

    issued_card.refresh_from_db()
    assert new == stock_card(batch, 1)
    assert new.status == Card.Status.ISSUED
    assert new.member_id == issued_card.member_id
    assert new.admission_basis == Card.AdmissionBasis.REPLACEMENT
    assert issued_card.card_number in new.admission_note
    assert issued_card.status == Card.Status.REPLACED
    assert issued_card.replaced_by == new
    assert issued_card.history.first().history_change_reason == "换卡"


def test_replace_with_given_card(issued_card: Card, batch: CardBatch) -> None:
    block_card(issued_card)
    chosen = stock_card(batch, 3)

    new = replace_card(issued_card, chosen)

    assert new == chosen
    assert new.status == Card.Status.ISSUED


def test_replace_with_issued_card_rejected(
    issued_card: Card, batch: CardBatch, jinan: Region
) -> None:
    other = issue_by_photo(stock_card(batch, 1), make_member(jinan, "赵敏"))
    block_card(issued_card)

    with pytest.raises(CardError, match="cannot be given as a replacement"):
        replace_card(issued_card, other)

    issued_card.refresh_from_db()
    assert issued_card.status == Card.Status.BLOCKED


@pytest.mark.parametrize(
    "status", [Card.Status.ISSUED, Card.Status.ACTIVE, Card.Status.REPLACED]
)
def test_replace_wrong_state(issued_card: Card, status: str) -> None:
    set_status(issued_card, status)

    with pytest.raises(CardError, match="only a card that is Blocked, Reported lost"):
        replace_card(issued_card)


def test_replace_never_issued_rejected(batch: CardBatch) -> None:
    card = block_card(stock_card(batch))

    with pytest.raises(CardError, match="never issued"):
        replace_card(card)


def test_replace_without_stock_rejected(db: None, jinan: Region) -> None:
    batch = make_batch(quantity=1)
    card = issue_by_photo(stock_card(batch), make_member(jinan))
    report_lost(card)

    with pytest.raises(CardError, match="No card is in stock"):
        replace_card(card)


def test_replacement_keeps_points_and_tier(
    issued_card: Card, member: Member, store: Store
) -> None:
    vip = Tier.objects.get(code="vip")
    record_slip(issued_card, store, "600.00", "R-600")
    member.refresh_from_db()
    points_before = balance(member)
    assert points_before == 600
    assert member.tier == vip

    report_lost(issued_card)
    new = replace_card(issued_card)

    member.refresh_from_db()
    assert new.member == member
    assert balance(member) == points_before
    assert member.tier == vip
    assert member.qualifying_spend == Decimal("600.00")

    record_slip(get_usable_card(new.card_number), store, "500.00", "R-500")
    member.refresh_from_db()
    assert balance(member) == 1100
    assert member.tier == Tier.objects.get(code="health_star")


def test_slip_on_replaced_card_names_new_card(issued_card: Card, store: Store) -> None:
    report_lost(issued_card)
    new = replace_card(issued_card)

    with pytest.raises(CardError) as raised:
        get_usable_card(issued_card.card_number)
    assert new.card_number in str(raised.value)

    issued_card.refresh_from_db()
    line = LineInput(
        category=ProductCategory.objects.get(code="health"), amount=Decimal("10")
    )
    with pytest.raises(SlipError, match=f"replaced by card {new.card_number}"):
        create_slip(card=issued_card, store=store, receipt_number="R-OLD", lines=[line])
