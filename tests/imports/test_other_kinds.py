"""Imports of household persons, cards and standard-format slips."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from lq_crm.doctype.card.models import Card
from lq_crm.doctype.member.models import HouseholdPerson
from lq_crm.doctype.points.models import PointsLedgerEntry
from lq_crm.doctype.slip.models import PurchaseSlip
from lq_crm.imports.models import ImportRecord
from tests.factories import CardFactory, MemberFactory, StoreFactory, card_number_for
from tests.imports.conftest import FORMATS

pytestmark = pytest.mark.django_db

WriteTable = Callable[..., Path]


def run(command: str, path: Path, *options: str) -> tuple[str, str]:
    output, errors = StringIO(), StringIO()
    call_command(
        command, str(path), "--no-progress", *options, stdout=output, stderr=errors
    )
    return output.getvalue(), errors.getvalue()


@pytest.mark.parametrize("file_format", FORMATS)
def test_persons_each_format(table: WriteTable, file_format: str) -> None:
    card = CardFactory(member__phone="+8613912342001")
    member = card.member
    path = table(
        [
            ["会员卡号", "户主电话", "姓名", "关系", "性别", "年龄", "电话"],
            [card.card_number, "", "李 红", "配偶", "女", "４５", "+86 139 1234 2002"],
            ["", "13912342001", "王小宝", "子女", "男", "", ""],
            ["", "13912349999", "无名", "子女", "", "", ""],
            ["", "", "孤儿", "", "", "", ""],
        ],
        file_format,
        name="persons",
    )

    run("import_persons", path)

    spouse = member.persons.get(relation=HouseholdPerson.Relation.SPOUSE)
    assert spouse.name == "李 红"
    assert spouse.phone == "+8613912342002"
    assert spouse.gender == "female"
    assert spouse.birth_year is not None
    assert member.persons.get(name="王小宝").relation == "child"
    record = ImportRecord.objects.get()
    assert record.created_count == 2
    assert record.error_count == 2


def test_persons_reimport_unchanged(table: WriteTable) -> None:
    card = CardFactory()
    path = table(
        [["卡号", "姓名", "关系"], [card.card_number, "李红", "配偶"]], name="persons"
    )
    run("import_persons", path)

    output, _errors = run("import_persons", path)

    assert "0 created, 0 updated, 1 unchanged" in output
    assert HouseholdPerson.objects.count() == 1


def test_persons_need_household_column(table: WriteTable) -> None:
    path = table([["姓名", "关系"], ["李红", "配偶"]], name="persons")

    with pytest.raises(CommandError, match="needs one of the columns"):
        run("import_persons", path)


def test_cards_in_stock_and_issued(table: WriteTable) -> None:
    member = MemberFactory(name="陈静", phone="+8613912343001")
    stock, issued = card_number_for(501), card_number_for(502)
    path = table(
        [
            ["卡号", "会员电话", "会员姓名"],
            [stock, "", ""],
            [issued, "13912343001", "陈 静"],
            [stock[:-1] + str((int(stock[-1]) + 1) % 10), "", ""],
        ],
        "gb18030",
        name="cards",
    )

    run("import_cards", path)

    assert Card.objects.get(card_number=stock).status == Card.Status.IN_STOCK
    card = Card.objects.get(card_number=issued)
    assert card.member == member
    assert card.status == Card.Status.ISSUED
    assert ImportRecord.objects.get().error_count == 1

    output, _errors = run("import_cards", path)

    assert "0 created, 0 updated, 2 unchanged, 1 failed" in output


def test_cards_issued_elsewhere_fails(table: WriteTable) -> None:
    card = CardFactory()
    MemberFactory(phone="+8613912343002")
    path = table([["卡号", "电话"], [card.card_number, "13912343002"]], name="cards")

    run("import_cards", path)

    assert ImportRecord.objects.get().error_count == 1
    card.refresh_from_db()
    assert card.member.phone != "+8613912343002"


@pytest.mark.parametrize("file_format", ["utf-8-sig", "xlsx"])
def test_slips_standard_format(table: WriteTable, file_format: str) -> None:
    card = CardFactory()
    store = StoreFactory(code="JN001")
    path = table(
        [
            ["卡号", "门店", "日期", "品类", "金额", "小票号", "数量"],
            [
                card.card_number,
                "JN001",
                "2026-03-01",
                "保健品",
                "１２０.５０",
                "R1",
                "2",
            ],
            [card.card_number, store.name, "2026/03/02", "health", "80", "R2", ""],
            [card.card_number, "JN001", "2026-03-02", "保健品", "-5", "R3", ""],
            [card.card_number, "JN001", "not a date", "保健品", "5", "R4", ""],
        ],
        file_format,
        name="slips",
    )

    run("import_slips", path)

    slips = PurchaseSlip.objects.filter(card=card).order_by("receipt_number")
    assert [slip.receipt_number for slip in slips] == ["R1", "R2"]
    assert slips[0].status == PurchaseSlip.Status.SUBMITTED
    assert slips[0].source == PurchaseSlip.Source.IMPORT
    assert slips[0].total == Decimal("120.50")
    assert slips[0].lines.get().quantity == 2
    assert PointsLedgerEntry.objects.filter(member=card.member).count() == 2
    card.member.refresh_from_db()
    assert card.member.qualifying_spend == Decimal("200.50")
    assert ImportRecord.objects.get().error_count == 2

    output, _errors = run("import_slips", path)

    assert "0 created, 0 updated, 2 unchanged, 2 failed" in output
    assert PurchaseSlip.objects.count() == 2


def test_slips_profile_still_required_for_cdnow(purchase_file) -> None:
    path = purchase_file(" 00001 19970101  1   11.77")
    output = StringIO()

    call_command(
        "import_slips", str(path), "--profile", "cdnow", "--no-progress", stdout=output
    )

    assert "1 slips" in output.getvalue()
