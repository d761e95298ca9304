"""Member household imports: cleaning in every format, matching, re-import."""

from __future__ import annotations

import csv
from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from lq_crm.doctype.card.models import Card
from lq_crm.doctype.member.models import Member
from lq_crm.duplicates.models import DuplicateCandidate
from lq_crm.imports.jobs import start_import
from lq_crm.imports.models import ImportRecord
from lq_crm.imports.services import create_upload, preview_import
from lq_crm.reports.aggregates import check_aggregates
from lq_crm.reports.models import SignupMonth
from lq_crm.workflow.models import TransitionLog
from tests.customize.conftest import define_source_field
from tests.factories import CardFactory, MemberFactory, StoreFactory, card_number_for
from tests.imports.conftest import FORMATS

pytestmark = pytest.mark.django_db

WriteTable = Callable[..., Path]
HEADER = ["姓名", "电话", "性别", "地址", "城市", "出生年份", "卡号"]


def import_members(path: Path, *options: str) -> tuple[str, str]:
    output, errors = StringIO(), StringIO()
    call_command(
        "import_members",
        str(path),
        "--no-progress",
        *options,
        stdout=output,
        stderr=errors,
    )
    return output.getvalue(), errors.getvalue()


def read_error_rows(record: ImportRecord) -> list[list[str]]:
    path = Path(record.error_file.path)
    if record.file_format == "xlsx":
        sheet = load_workbook(path, read_only=True).worksheets[0]
        return [
            [str(c) if c is not None else "" for c in row]
            for row in sheet.iter_rows(values_only=True)
        ]
    with path.open(encoding=record.encoding, newline="") as file:
        return list(csv.reader(file))


@pytest.mark.parametrize("file_format", FORMATS)
def test_cleaning_rules_each_format(table: WriteTable, file_format: str) -> None:
    # 䶮 is outside GBK, so only a GB18030 file can contain it.
    rare = (
        []
        if file_format == "gbk"
        else [["刘䶮", "13912340001", "", "", "济南", "", ""]]
    )
    path = table(
        [
            HEADER,
            *rare,
            [
                "王 小明",
                "１３９１２３４５６７８",
                "男",
                "济南市历下区",
                "",
                "１９８０",
                "",
            ],
            ["李\u3000红", "+86 139-1234-0002", "女", "", "青岛", "1975", ""],
            ["张伟", "0086 13912340003", "M", "", "济南市", "", ""],
            ["赵六", "86-13912340004", "", "", "济南", "", ""],
            ["", "13912340005", "", "", "济南", "", ""],
            ["孙七", "8.61391E+12", "", "", "济南", "", ""],
            ["周八", "13912340007", "", "", "济南", "", "3.70000E+10"],
            ["吴九", "13912340008", "", "", "济南", "", "3700000001"],
        ],
        file_format,
    )

    import_members(path)

    wang = Member.objects.get(phone="+8613912345678")
    assert wang.name == "王 小明"
    assert wang.gender == "male"
    assert wang.birth_year == 1980
    assert wang.city.name == "济南市"
    li = Member.objects.get(phone="+8613912340002")
    assert li.name == "李 红"
    assert li.city.name == "青岛市"
    assert Member.objects.get(phone="+8613912340003").name == "张伟"
    assert Member.objects.get(phone="+8613912340004").gender == "unknown"
    assert Member.objects.count() == 4 + len(rare)
    if rare:
        assert Member.objects.get(phone="+8613912340001").name == "刘䶮"
    record = ImportRecord.objects.get()
    assert record.encoding == ("" if file_format == "xlsx" else file_format)
    assert record.created_count == 4 + len(rare)
    assert record.error_count == 4
    rows = read_error_rows(record)
    assert rows[0] == [*HEADER, "What to fix"]
    messages = {row[1]: row[-1] for row in rows[1:]}
    assert "name is missing" in messages["13912340005"]
    assert "scientific notation" in messages["8.61391E+12"]
    assert "scientific notation" in messages["13912340007"]
    assert "has 10 digits" in messages["13912340008"]


def test_mangled_card_never_matches(table: WriteTable) -> None:
    card = CardFactory()
    mangled = f"{int(card.card_number):.5E}"
    path = table([HEADER, ["某人", "13912340009", "", "", "济南", "", mangled]])

    import_members(path)

    assert not Member.objects.filter(phone="+8613912340009").exists()
    card.member.refresh_from_db()
    assert card.member.phone != "+8613912340009"


def test_missing_column_named(table: WriteTable) -> None:
    path = table([["姓名", "地址"], ["王小明", "济南市"]])

    with pytest.raises(CommandError, match=r"Column phone \(电话\) is missing"):
        import_members(path)

    assert ImportRecord.objects.get().status == ImportRecord.Status.FAILED
    assert Member.objects.count() == 0


def test_english_header_with_spaces_and_bom(table: WriteTable) -> None:
    path = table(
        [
            [" Name ", "Phone\u3000", "Gender", "City"],
            ["Li Lei", "13912340010", "male", "济南"],
        ],
        "utf-8-sig",
    )

    import_members(path)

    assert Member.objects.get(phone="+8613912340010").name == "Li Lei"


def test_reimport_changes_nothing(table: WriteTable) -> None:
    path = table(
        [
            HEADER,
            ["王小明", "13912340011", "男", "济南市历下区", "", "1980", ""],
            ["李红", "13912340012", "女", "", "青岛", "", ""],
        ],
        "gbk",
    )
    import_members(path)
    before = list(Member.objects.values_list("pk", "modified").order_by("pk"))
    history = Member.history.count()

    output, _errors = import_members(path)

    assert "0 created, 0 updated, 2 unchanged, 0 failed" in output
    assert list(Member.objects.values_list("pk", "modified").order_by("pk")) == before
    assert Member.history.count() == history


def test_created_history_and_report_counts(table: WriteTable) -> None:
    path = table(
        [
            HEADER,
            ["赵小红", "13912340031", "女", "济南市历下区", "", "1985", ""],
            ["钱大伟", "13912340032", "男", "", "青岛", "", ""],
        ],
    )

    import_members(path)

    members = list(Member.objects.order_by("pk"))
    history = list(Member.history.order_by("id"))
    assert [row.id for row in history] == [member.pk for member in members]
    assert [row.name for row in history] == ["赵小红", "钱大伟"]
    assert {row.history_type for row in history} == {"+"}
    assert all(row.history_change_reason.startswith("Import") for row in history)
    assert sum(SignupMonth.objects.values_list("households", flat=True)) == 2
    mismatches = check_aggregates()
    assert mismatches == dict.fromkeys(mismatches, 0)


def test_update_matches_phone_and_name(table: WriteTable) -> None:
    member = MemberFactory(name="王小明", phone="+8613912340013", occupation="")
    other = MemberFactory(name="王大明", phone="+8613912340013")
    path = table(
        [
            ["姓名", "电话", "职业", "城市"],
            ["王 小明", "139 1234 0013", "教师", "济南"],
        ]
    )

    output, _errors = import_members(path)

    assert "1 updated" in output
    member.refresh_from_db()
    other.refresh_from_db()
    assert member.occupation == "教师"
    assert member.name == "王 小明"
    assert other.occupation != "教师"
    assert member.history.first().history_change_reason.startswith("Import")


def test_match_by_card_number(table: WriteTable) -> None:
    card = CardFactory(member__name="刘洋", member__phone="+8613912340014")
    path = table(
        [
            ["姓名", "电话", "卡号", "城市"],
            ["刘洋", "13912340099", card.card_number, ""],
        ]
    )

    output, _errors = import_members(path)

    assert "1 updated" in output
    card.member.refresh_from_db()
    assert card.member.phone == "+8613912340099"
    assert Member.objects.count() == 1


def test_card_in_stock_issued(table: WriteTable) -> None:
    card = CardFactory(member=None, status=Card.Status.IN_STOCK, issued_at=None)
    path = table(
        [
            ["姓名", "电话", "卡号", "城市"],
            ["陈静", "13912340015", card.card_number, "济南"],
        ]
    )

    import_members(path)

    card.refresh_from_db()
    assert card.member is not None
    assert card.member.name == "陈静"
    assert card.status == Card.Status.ISSUED
    assert card.admission_basis == Card.AdmissionBasis.LEGACY


def test_unknown_card_fails(table: WriteTable) -> None:
    path = table(
        [
            ["姓名", "电话", "卡号", "城市"],
            ["陈静", "13912340016", card_number_for(99), "济南"],
        ]
    )

    import_members(path)

    record = ImportRecord.objects.get()
    assert record.error_count == 1
    assert "was not found" in read_error_rows(record)[1][-1]


def test_city_from_store_then_address(table: WriteTable, qingdao) -> None:
    store = StoreFactory(code="QD001", name="青岛一店", city=qingdao)
    path = table(
        [
            ["姓名", "电话", "门店", "地址"],
            ["甲", "13912340017", store.code, "济南市历下区"],
            ["乙", "13912340018", "", "山东省淄博市张店区某路"],
            ["丙", "13912340019", "", "历下区泉城路"],
            ["丁", "13912340020", "", "某地"],
        ]
    )

    import_members(path, "--dry-run")
    output, _errors = import_members(path)

    assert Member.objects.get(name="甲").city == qingdao
    assert Member.objects.get(name="甲").signup_store == store
    assert Member.objects.get(name="乙").city.name == "淄博市"
    assert Member.objects.get(name="丙").city.name == "济南市"
    assert not Member.objects.filter(name="丁").exists()
    assert "3 created" in output


def test_same_household_twice_in_file(table: WriteTable) -> None:
    path = table(
        [
            ["姓名", "电话", "城市"],
            ["王小明", "13912340021", "济南"],
            ["王 小明", "+8613912340021", "济南"],
        ]
    )

    import_members(path)

    assert Member.objects.count() == 1
    record = ImportRecord.objects.get()
    assert "Row 2 of this file is for the same record" in read_error_rows(record)[1][-1]


def test_custom_field_by_label(table: WriteTable) -> None:
    define_source_field(Member)
    path = table(
        [
            ["姓名", "电话", "城市", "Heard of us via"],
            ["甲", "13912340022", "济南", "社区"],
            ["乙", "13912340023", "济南", "电视"],
        ]
    )

    import_members(path)

    assert Member.objects.get(name="甲").custom == {"source": "社区"}
    assert not Member.objects.filter(name="乙").exists()
    record = ImportRecord.objects.get()
    assert "is not one of the options" in read_error_rows(record)[1][-1]


def test_required_custom_field_missing(table: WriteTable) -> None:
    define_source_field(Member, required=True)
    path = table([["姓名", "电话", "城市"], ["甲", "13912340024", "济南"]])

    import_members(path)

    assert Member.objects.count() == 0
    record = ImportRecord.objects.get()
    assert "source: This field is required." in read_error_rows(record)[1][-1]


def test_duplicate_candidates_recorded(table: WriteTable) -> None:
    existing = MemberFactory(name="王小明", phone="+8613912340025")
    path = table([["姓名", "电话", "城市"], ["王晓明", "13912340025", "济南"]])

    import_members(path)

    new = Member.objects.exclude(pk=existing.pk).get()
    low, high = sorted([existing.pk, new.pk])
    assert DuplicateCandidate.objects.filter(
        member_low_id=low, member_high_id=high
    ).exists()


def test_dry_run_writes_nothing(table: WriteTable) -> None:
    MemberFactory(name="王小明", phone="+8613912340026", occupation="")
    MemberFactory(name="李红", phone="+8613912340027", occupation="医生")
    path = table(
        [
            ["姓名", "电话", "城市", "职业"],
            ["王小明", "13912340026", "", "教师"],
            ["李红", "13912340027", "", "医生"],
            ["张三", "13912340028", "济南", ""],
            ["", "13912340029", "济南", ""],
        ]
    )

    output, errors = import_members(path, "--dry-run")

    assert "1 would be created, 1 updated, 1 unchanged, 1 fail" in output
    assert "row 5: The name is missing" in errors
    assert Member.objects.count() == 2
    assert Member.objects.get(name="王小明").occupation == ""


def test_broken_workbook_rejected(tmp_path: Path) -> None:
    path = tmp_path / "members.xlsx"
    path.write_bytes(b"not a zip archive")

    with pytest.raises(CommandError, match="workbook cannot be opened"):
        import_members(path)

    assert ImportRecord.objects.get().status == ImportRecord.Status.FAILED


def test_unknown_encoding_rejected(tmp_path: Path) -> None:
    path = tmp_path / "members.csv"
    path.write_bytes("姓名,电话\n".encode("utf-16"))

    with pytest.raises(CommandError, match="not in UTF-8, GBK or GB18030"):
        import_members(path)

    assert ImportRecord.objects.count() == 0


def upload_as(path: Path, user: User) -> ImportRecord:
    content = SimpleUploadedFile(path.name, path.read_bytes())
    record = create_upload(content, ImportRecord.Kind.MEMBERS, user)
    preview_import(record)
    # A small file is imported in this process as soon as it is confirmed.
    start_import(record)
    record.refresh_from_db()
    return record


def test_card_issue_goes_through_the_workflow(
    table: WriteTable, head_office_admin: User
) -> None:
    card = CardFactory(member=None, status=Card.Status.IN_STOCK, issued_at=None)
    path = table(
        [
            ["姓名", "电话", "卡号", "城市"],
            ["陈静", "13912340017", card.card_number, "济南"],
        ]
    )

    record = upload_as(path, head_office_admin)
    assert record.created_count == 1

    log = TransitionLog.objects.get(document_id=str(card.pk), action="issue")
    assert (log.from_state, log.to_state) == ("in_stock", "issued")
    assert log.user == head_office_admin


def test_card_issue_without_role_fails_row(
    table: WriteTable, jinan_clerk: User
) -> None:
    card = CardFactory(member=None, status=Card.Status.IN_STOCK, issued_at=None)
    path = table(
        [
            ["姓名", "电话", "卡号", "城市"],
            ["陈静", "13912340018", card.card_number, "济南"],
            ["李强", "13912340019", "", "济南"],
        ]
    )

    record = upload_as(path, jinan_clerk)

    card.refresh_from_db()
    assert card.status == Card.Status.IN_STOCK
    assert record.error_count == 1
    assert "may not issue cards" in read_error_rows(record)[1][-1]
    assert Member.objects.filter(name="李强").exists()
