"""Mangled receipts, oversized cells, repeated households and GBK detection."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from lq_crm.doctype.card.models import Card
from lq_crm.doctype.member.models import Member
from lq_crm.doctype.slip.models import PurchaseSlip
from lq_crm.imports.models import ImportRecord
from lq_crm.imports.source import inspect_file
from tests.factories import CardFactory, MemberFactory, StoreFactory, card_number_for
from tests.imports.test_members import read_error_rows

pytestmark = pytest.mark.django_db

WriteTable = Callable[..., Path]
SLIP_HEADER = ["卡号", "门店", "日期", "品类", "金额", "小票号"]


def run(command: str, path: Path, *options: str) -> tuple[str, str]:
    output, errors = StringIO(), StringIO()
    call_command(
        command, str(path), "--no-progress", *options, stdout=output, stderr=errors
    )
    return output.getvalue(), errors.getvalue()


def error_messages(record: ImportRecord) -> list[str]:
    """Return the last cell of each data row of the record's error file."""
    return [row[-1] for row in read_error_rows(record)[1:]]


@pytest.mark.parametrize(
    ("receipt", "file_format"),
    [
        ("2.02603E+17", "utf-8"),
        ("202603011234567000", "utf-8"),
        (float(20260301123456789), "xlsx"),
    ],
)
def test_mangled_receipt_rejected(
    table: WriteTable, receipt: object, file_format: str
) -> None:
    card = CardFactory()
    StoreFactory(code="JN001")
    row = [card.card_number, "JN001", "2026-03-01", "保健品", "100", receipt]
    path = table([SLIP_HEADER, row], file_format, name="slips")

    run("import_slips", path)

    assert PurchaseSlip.objects.count() == 0
    record = ImportRecord.objects.get()
    assert record.error_count == 1
    [message] = error_messages(record)
    assert "spreadsheet" in message


def test_oversized_slip_cells_fail_rows(table: WriteTable) -> None:
    card = CardFactory()
    StoreFactory(code="JN001")
    number = card.card_number
    path = table(
        [
            SLIP_HEADER,
            [number, "JN001", "2026-03-01", "保健品", "10", "R1"],
            [number, "JN001", "2026-03-01", "保健品", "99999999999", "R2"],
            [number, "JN001", "2026-03-01", "保健品", "1e30", "R3"],
            [number, "JN001", "2026-03-01", "保健品", "10", "R" * 100],
            [number, "JN001", "2026-03-01", "保健品", "12345.67", "R5"],
        ],
        name="slips",
    )

    preview, preview_errors = run("import_slips", path, "--dry-run")
    run("import_slips", path)

    assert "2 would be created, 0 updated, 0 unchanged, 3 fail" in preview
    assert "row 3: Amount 99999999999 is too large" in preview_errors
    receipts = PurchaseSlip.objects.values_list("receipt_number", flat=True)
    assert sorted(receipts) == ["R1", "R5"]
    record = ImportRecord.objects.latest("pk")
    messages = error_messages(record)
    assert len(messages) == 3
    assert "the largest is 9999999999.99" in messages[0]
    assert "Amount 1e30 is too large" in messages[1]
    assert "at most 64 fit" in messages[2]


def test_long_email_fails_row(table: WriteTable) -> None:
    email = "a" * 300 + "@example.com"
    path = table(
        [
            ["姓名", "电话", "城市", "邮箱"],
            ["王小明", "13912340031", "济南", email],
            ["李红", "13912340032", "济南", "li@example.com"],
        ]
    )

    preview, _errors = run("import_members", path, "--dry-run")
    run("import_members", path)

    assert "1 would be created, 0 updated, 0 unchanged, 1 fail" in preview
    assert list(Member.objects.values_list("name", flat=True)) == ["李红"]
    [message] = error_messages(ImportRecord.objects.latest("pk"))
    assert "at most 254 fit" in message


@pytest.mark.parametrize("options", [(), ("--dry-run",), ("--chunk-size", "1")])
def test_one_card_per_household_in_file(
    table: WriteTable, options: tuple[str, ...]
) -> None:
    member = MemberFactory(name="袁绍", phone="+8613912343011")
    first, second = card_number_for(601), card_number_for(602)
    path = table(
        [
            ["卡号", "会员电话", "会员姓名"],
            [first, "13912343011", "袁绍"],
            [second, "13912343011", "袁绍"],
        ],
        name="cards",
    )

    output, errors = run("import_cards", path, *options)

    if "--dry-run" in options:
        assert "1 would be created, 0 updated, 0 unchanged, 1 fail" in output
        assert "row 3: This household already holds a card" in errors
        return
    assert list(Card.objects.filter(member=member).values_list("card_number")) == [
        (first,)
    ]
    [message] = error_messages(ImportRecord.objects.latest("pk"))
    assert "This household already holds a card" in message


def test_short_gbk_file_read_as_gbk(tmp_path: Path) -> None:
    StoreFactory(code="JN01")
    path = tmp_path / "members.csv"
    text = "name,phone,store\r\n谢伟,13912342001,JN01\r\n袁英,13912342002,JN01\r\n"
    path.write_bytes(text.encode("gbk"))
    # The bytes are valid UTF-8 as well, which is what made this file hard.
    assert path.read_bytes().decode("utf-8") != text

    run("import_members", path)

    assert inspect_file(path).encoding == "gbk"
    names = Member.objects.order_by("phone").values_list("name", flat=True)
    assert list(names) == ["谢伟", "袁英"]


def test_utf8_file_with_chinese_stays_utf8(tmp_path: Path) -> None:
    path = tmp_path / "members.csv"
    path.write_bytes("name,phone\r\n谢伟,13912342001\r\n".encode())

    assert inspect_file(path).encoding == "utf-8"


def test_quantity_zero_fails_row(table: WriteTable) -> None:
    card = CardFactory()
    StoreFactory(code="JN001")
    path = table(
        [
            [*SLIP_HEADER, "数量"],
            [card.card_number, "JN001", "2026-03-01", "保健品", "10", "Q1", "0"],
            [card.card_number, "JN001", "2026-03-01", "保健品", "10", "Q2", "2"],
        ],
        name="slips",
    )

    run("import_slips", path)

    assert list(PurchaseSlip.objects.values_list("receipt_number", flat=True)) == ["Q2"]
    record = ImportRecord.objects.latest("pk")
    assert "Quantity 0 is invalid" in error_messages(record)[0]


def test_control_characters_dropped_from_names(table: WriteTable) -> None:
    path = table([["姓名", "电话", "城市"], ["王\x00小明", "13912340041", "济南"]])

    run("import_members", path)

    assert Member.objects.get(phone="+8613912340041").name == "王小明"


def test_short_row_error_column(table: WriteTable) -> None:
    path = table(
        [
            ["姓名", "电话", "城市", "地址"],
            ["", "13912340051"],
        ]
    )

    run("import_members", path)

    rows = read_error_rows(ImportRecord.objects.latest("pk"))
    assert len(rows[1]) == len(rows[0])
    assert rows[1][:4] == ["", "13912340051", "", ""]
    assert "name is missing" in rows[1][4]


def test_amount_whose_points_overflow_fails_row(table: WriteTable) -> None:
    card = CardFactory()
    StoreFactory(code="JN001")
    path = table(
        [
            SLIP_HEADER,
            [card.card_number, "JN001", "2026-03-01", "保健品", "9999999999.99", "P1"],
            [card.card_number, "JN001", "2026-03-01", "保健品", "10", "P2"],
        ],
        name="slips",
    )

    run("import_slips", path)

    receipts = PurchaseSlip.objects.values_list("receipt_number", flat=True)
    assert list(receipts) == ["P2"]
    record = ImportRecord.objects.latest("pk")
    assert "more points than can be stored" in error_messages(record)[0]
