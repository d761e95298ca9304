"""Clerks working on one card at the same moment, each on its own connection."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection

from lq_crm.doctype.points.services import balance
from lq_crm.doctype.region.models import Region
from lq_crm.doctype.slip.models import PurchaseSlip
from lq_crm.doctype.slip.services import SlipError, create_slip, submit_slip

from .builders import lines, make_household, make_store

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(workers: list[Callable[[], None]]) -> list[BaseException]:
    """Start every worker at the same moment; return what they raised."""
    barrier = threading.Barrier(len(workers))
    errors: list[BaseException] = []

    def run(work: Callable[[], None]) -> None:
        try:
            barrier.wait()
            work()
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(work,)) for work in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_parallel_slips_on_one_card_count_exactly(jinan: Region) -> None:
    member, card = make_household(jinan)
    store = make_store(jinan)
    amounts = [Decimal("123.45"), Decimal("67.80"), Decimal("250.00"), Decimal("9.99")]

    def clerk(index: int) -> Callable[[], None]:
        def work() -> None:
            for round_number, amount in enumerate(amounts):
                slip = create_slip(
                    card=card,
                    store=store,
                    receipt_number=f"T{index}-{round_number}",
                    lines=lines(str(amount)),
                )
                submit_slip(slip)

        return work

    errors = run_together([clerk(index) for index in range(6)])

    assert errors == []
    member.refresh_from_db()
    assert member.qualifying_spend == sum(amounts) * 6
    assert balance(member) == sum(int(amount) for amount in amounts) * 6
    assert member.tier.code == "health_angel"
    assert member.tier_changes.count() == 3


def test_parallel_submitted_slips_count_exactly(jinan: Region) -> None:
    # Each slip is inserted and submitted in one transaction, as the API,
    # the keying screen and the office portal do. Without the household lock
    # before the insert, two of them would deadlock.
    member, card = make_household(jinan)
    store = make_store(jinan)
    amounts = [Decimal("123.45"), Decimal("67.80"), Decimal("250.00"), Decimal("9.99")]

    def clerk(index: int) -> Callable[[], None]:
        def work() -> None:
            for round_number, amount in enumerate(amounts):
                create_slip(
                    card=card,
                    store=store,
                    receipt_number=f"A{index}-{round_number}",
                    lines=lines(str(amount)),
                    submit=True,
                )

        return work

    errors = run_together([clerk(index) for index in range(6)])

    assert errors == []
    member.refresh_from_db()
    assert member.qualifying_spend == sum(amounts) * 6
    assert balance(member) == sum(int(amount) for amount in amounts) * 6
    assert member.tier_changes.count() == 3
    assert not PurchaseSlip.objects.filter(status=PurchaseSlip.Status.DRAFT).exists()


def test_same_receipt_submitted_twice_counts_once(jinan: Region) -> None:
    member, card = make_household(jinan)
    store = make_store(jinan)

    def send() -> None:
        create_slip(
            card=card,
            store=store,
            receipt_number="SAME-2",
            lines=lines("40.00"),
            submit=True,
        )

    errors = run_together([send for _ in range(4)])

    assert len(errors) == 3
    assert all(isinstance(error, SlipError) for error in errors)
    assert balance(member) == 40
    member.refresh_from_db()
    assert member.qualifying_spend == Decimal("40.00")


def test_double_submit_counts_once(jinan: Region) -> None:
    member, card = make_household(jinan)
    slip = create_slip(
        card=card, store=make_store(jinan), receipt_number="DBL-1", lines=lines("88.00")
    )

    errors = run_together([lambda: submit_slip(slip) for _ in range(4)])

    assert len(errors) == 3
    assert all(isinstance(error, SlipError) for error in errors)
    assert balance(member) == 88
    member.refresh_from_db()
    assert member.qualifying_spend == Decimal("88.00")


def test_same_receipt_sent_twice_at_once_is_one_slip(jinan: Region) -> None:
    _member, card = make_household(jinan)
    store = make_store(jinan)

    def send() -> None:
        create_slip(card=card, store=store, receipt_number="SAME-1", lines=lines("5"))

    errors = run_together([send for _ in range(4)])

    assert len(errors) == 3
    assert all(isinstance(error, SlipError) for error in errors)
    assert PurchaseSlip.objects.filter(receipt_number="SAME-1").count() == 1
