"""Slips and cards change state only through the workflow, which logs who did."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from lq_crm.doctype.card.models import Card, CardBatch
from lq_crm.doctype.card.services import (
    CardError,
    block_card,
    generate_batch,
    get_usable_card,
    issue_card,
    replace_card,
    report_lost,
    unblock_card,
)
from lq_crm.doctype.member.models import Member
from lq_crm.doctype.points.services import balance
from lq_crm.doctype.region.models import Region
from lq_crm.doctype.slip.models import PurchaseSlip
from lq_crm.doctype.slip.services import (
    SlipError,
    amend_slip,
    cancel_slip,
    create_slip,
    submit_slip,
)
from lq_crm.workflow.models import TransitionLog
from tests.conftest import make_user
from tests.slips.builders import lines, make_store

from .conftest import slip_transition

pytestmark = pytest.mark.django_db


def log_of(document: Card | PurchaseSlip) -> list[tuple[str, str, str | None, str]]:
    rows = TransitionLog.objects.filter(
        document_type__model=document._meta.model_name, document_id=str(document.pk)
    ).order_by("pk")
    return [
        (row.action, row.to_state, row.user.username if row.user else None, row.note)
        for row in rows
    ]


@pytest.fixture
def service(jinan: Region) -> User:
    return make_user("jinan-service", "service_centre", [jinan])


@pytest.fixture
def stock(db: None) -> list[Card]:
    batch = generate_batch(CardBatch(prefix="37", width=8, first_serial=1, quantity=3))
    return list(batch.cards.order_by("serial"))


@pytest.fixture
def member(jinan: Region) -> Member:
    return Member.objects.create(name="王芳", city=jinan)


def issue(card: Card, member: Member, user: User) -> Card:
    return issue_card(card, member, basis="trip_photo", note="photo", user=user)


def slip_on(card: Card, receipt: str, user: User) -> PurchaseSlip:
    slip = create_slip(
        card=card,
        store=make_store(card.member.city),
        receipt_number=receipt,
        lines=lines("100.00"),
        clerk=user,
    )
    return submit_slip(slip, user)


def test_slip_life_logged_with_users(
    stock: list[Card], member: Member, service: User, jinan_clerk: User
) -> None:
    card = issue(stock[0], member, service)
    slip = slip_on(card, "D-1", jinan_clerk)
    cancel_slip(slip, service, reason="returned")
    draft = amend_slip(slip, jinan_clerk)

    assert log_of(slip) == [
        ("submit", "submitted", "jinan-clerk", ""),
        ("cancel", "cancelled", "jinan-service", "returned"),
        ("amend", "cancelled", "jinan-clerk", ""),
    ]
    slip.refresh_from_db()
    assert slip.cancel_reason == "returned"
    assert slip.receipt_key is None
    assert slip.history.latest().history_user == jinan_clerk
    assert draft.status == PurchaseSlip.Status.DRAFT
    assert balance(member) == 0


def test_first_slip_activates_card_as_system(
    stock: list[Card], member: Member, service: User, jinan_clerk: User
) -> None:
    card = issue(stock[0], member, service)
    slip = slip_on(card, "D-1", jinan_clerk)
    slip_on(card, "D-2", jinan_clerk)

    assert log_of(card) == [
        ("issue", "issued", "jinan-service", ""),
        ("activate", "active", None, slip.number),
    ]


def test_card_life_logged_with_users(
    stock: list[Card], member: Member, service: User, jinan_clerk: User
) -> None:
    card = issue(stock[0], member, service)
    slip = slip_on(card, "D-1", jinan_clerk)
    report_lost(card, service)
    card = unblock_card(card, service)
    block_card(card, service)
    new = replace_card(card, stock[1], service)

    card.refresh_from_db()
    assert card.status == Card.Status.REPLACED
    assert card.replaced_by == new
    assert log_of(card) == [
        ("issue", "issued", "jinan-service", ""),
        ("activate", "active", None, slip.number),
        ("report_lost", "lost", "jinan-service", ""),
        ("found", "issued", "jinan-service", ""),
        ("activate", "active", None, "found"),
        ("block", "blocked", "jinan-service", ""),
        ("replace", "replaced", "jinan-service", new.card_number),
    ]
    assert log_of(new) == [("issue", "issued", "jinan-service", card.card_number)]
    assert new.admission_basis == Card.AdmissionBasis.REPLACEMENT


def test_unused_card_unblocks_to_issued(
    stock: list[Card], member: Member, service: User
) -> None:
    card = block_card(issue(stock[0], member, service), service)

    card = unblock_card(card, service)

    assert card.status == Card.Status.ISSUED
    assert [row[0] for row in log_of(card)] == ["issue", "block", "unblock"]


def test_card_in_stock_returns_to_stock(stock: list[Card], service: User) -> None:
    card = unblock_card(block_card(stock[0], service), service)

    assert card.status == Card.Status.IN_STOCK
    assert log_of(card)[-1][0] == "return_to_stock"


def test_workflow_roles_decide_card_actions(
    stock: list[Card], member: Member, jinan_clerk: User
) -> None:
    with pytest.raises(CardError, match="none of the roles"):
        issue(stock[0], member, jinan_clerk)

    assert Card.objects.get(pk=stock[0].pk).status == Card.Status.IN_STOCK


def test_workflow_condition_decides_slip_submit(
    stock: list[Card], member: Member, service: User, jinan_clerk: User
) -> None:
    transition = slip_transition("submit")
    transition.condition = "total < 50"
    transition.save()
    card = issue(stock[0], member, service)

    with pytest.raises(SlipError, match="condition total < 50 is false"):
        slip_on(card, "D-1", jinan_clerk)

    assert not PurchaseSlip.objects.filter(status="submitted").exists()
    assert balance(member) == 0
    member.refresh_from_db()
    assert member.qualifying_spend == Decimal("0.00")


@pytest.mark.parametrize(
    ("prepare", "message"),
    [
        ("lost", "is Reported lost and cannot be used"),
        ("replaced", "was replaced by card"),
        ("unissued", "has not been issued to a household yet"),
    ],
)
def test_usability_check_shared(
    stock: list[Card], member: Member, service: User, prepare: str, message: str
) -> None:
    card = stock[0]
    if prepare != "unissued":
        card = issue(card, member, service)
        report_lost(card, service)
    if prepare == "replaced":
        replace_card(card, stock[1], service)
    card.refresh_from_db()

    with pytest.raises(CardError, match=message) as looked_up:
        get_usable_card(card.card_number)
    with pytest.raises(SlipError) as keyed:
        create_slip(
            card=card,
            store=make_store(member.city),
            receipt_number="U-1",
            lines=lines("10"),
        )

    assert str(keyed.value) == str(looked_up.value)
