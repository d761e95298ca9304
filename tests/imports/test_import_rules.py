"""The importer's rules on small hand-made files."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from lq_crm.doctype.card.models import Card
from lq_crm.doctype.member.models import Member
from lq_crm.doctype.points.models import PointsLedgerEntry
from lq_crm.doctype.slip.models import PurchaseSlip
from lq_crm.doctype.slip.services import cancel_slip
from lq_crm.doctype.tier.models import TierChange
from lq_crm.imports import slips
from lq_crm.imports.models import ImportRecord
from lq_crm.imports.profiles import load_profile
from lq_crm.notify.models import Notification

pytestmark = pytest.mark.django_db

WriteFile = Callable[..., Path]


def run_import(path: Path) -> tuple[str, str]:
    output, errors = StringIO(), StringIO()
    call_command(
        "import_slips",
        str(path),
        "--profile",
        "cdnow",
        "--no-progress",
        stdout=output,
        stderr=errors,
    )
    return output.getvalue(), errors.getvalue()


def test_bad_rows_reported_with_line_numbers(purchase_file: WriteFile) -> None:
    path = purchase_file(
        " 00001 19970101  1   11.77",
        " 00001 19971301  1   10.00",
        " 00002 19970112  1   abc",
        " 00002 19970112  1   -5.00",
        " 00003 19970112  1",
        " 00003 19970113  1   600.00",
    )

    _output, errors = run_import(path)

    assert "4 bad rows were not imported" in errors
    assert "line 3: date '19971301'" in errors
    assert "line 4: Amount 'abc' is not a number" in errors
    assert "line 5: Amount -5.00 is negative" in errors
    assert "line 6: expected 4 fields, found 3" in errors
    assert PurchaseSlip.objects.count() == 2
    assert sorted(Member.objects.values_list("legacy_id", flat=True)) == [
        "00001",
        "00003",
    ]
    record = ImportRecord.objects.get()
    assert record.rows == 6
    assert record.created_count == 2
    assert record.error_count == 4
    assert "line 4:" in record.message


def test_household_card_and_slip_fields(purchase_file: WriteFile) -> None:
    path = purchase_file(" 00007 19970301  3   40.50")

    run_import(path)

    member = Member.objects.get(legacy_source="cdnow", legacy_id="00007")
    assert member.name == "CDNOW 00007"
    assert member.city.name == "济南市"
    assert member.signup_activity == Member.SignupActivity.LEGACY
    assert member.qualifying_spend == Decimal("40.50")
    assert member.tier is not None
    assert member.tier.code == "ordinary"
    card = Card.objects.get(member=member)
    assert card.card_number == "CDNOW00007"
    assert card.legacy is True
    assert card.status == Card.Status.ACTIVE
    assert card.admission_basis == Card.AdmissionBasis.LEGACY
    slip = PurchaseSlip.objects.get(member=member)
    assert slip.status == PurchaseSlip.Status.SUBMITTED
    assert slip.source == PurchaseSlip.Source.IMPORT
    assert slip.store.code == "CDNOW"
    assert slip.receipt_number == "00007-19970301-1"
    assert slip.purchased_at == datetime(
        1997, 3, 1, 12, tzinfo=ZoneInfo("Asia/Shanghai")
    )
    line = slip.lines.get()
    assert line.quantity == 3
    assert line.category.code == "health"
    assert line.points == 40
    entry = PointsLedgerEntry.objects.get(slip=slip)
    assert entry.key == f"earn:{line.pk}"
    assert entry.points == 40
    assert member.history.count() == 1
    assert slip.history.count() == 1


def test_rows_on_one_day_stay_separate(purchase_file: WriteFile) -> None:
    path = purchase_file(
        " 00001 19970101  1   10.00",
        " 00001 19970101  1   10.00",
        " 00001 19970102  1   10.00",
    )

    run_import(path)

    receipts = sorted(PurchaseSlip.objects.values_list("receipt_number", flat=True))
    assert receipts == ["00001-19970101-1", "00001-19970101-2", "00001-19970102-1"]


def test_tier_threshold_is_inclusive(purchase_file: WriteFile) -> None:
    path = purchase_file(
        " 00001 19970101  1  499.99",
        " 00002 19970101  1  500.00",
        " 00003 19970101  1  999.99",
        " 00003 19970102  1    0.01",
        " 00004 19970101  1 2000.00",
    )

    run_import(path)

    tiers = dict(Member.objects.values_list("legacy_id", "tier__code"))
    assert tiers == {
        "00001": "ordinary",
        "00002": "vip",
        "00003": "health_star",
        "00004": "health_angel",
    }
    change = TierChange.objects.get(member__legacy_id="00004")
    assert change.from_tier is None
    assert change.cause == TierChange.Cause.MIGRATION
    assert change.spend == Decimal("2000.00")
    assert Notification.objects.count() == 0


def test_new_rows_of_known_customer(purchase_file: WriteFile) -> None:
    run_import(purchase_file(" 00001 19970101  1  400.00"))
    path = purchase_file(
        " 00001 19970101  1  400.00",
        " 00001 19970201  1  200.00",
    )

    output, _errors = run_import(path)

    member = Member.objects.get(legacy_id="00001")
    assert member.qualifying_spend == Decimal("600.00")
    assert member.tier is not None
    assert member.tier.code == "vip"
    assert PurchaseSlip.objects.count() == 2
    assert Card.objects.count() == 1
    assert "1 rows already imported" in output
    upgrade = TierChange.objects.get(member=member, from_tier__isnull=False)
    assert upgrade.cause == TierChange.Cause.MIGRATION
    assert Notification.objects.count() == 0


def test_cancelled_slip_not_imported_again(purchase_file: WriteFile) -> None:
    path = purchase_file(" 00001 19970101  1  40.00")
    run_import(path)
    cancel_slip(PurchaseSlip.objects.get(), reason="keyed twice")

    output, _errors = run_import(path)

    assert PurchaseSlip.objects.count() == 1
    assert "1 rows already imported" in output


def test_failed_chunk_leaves_no_customer(
    purchase_file: WriteFile, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = purchase_file(
        " 00001 19970101  1  10.00",
        " 00002 19970101  1  10.00",
        " 00002 19970102  1  10.00",
    )
    original = slips.create_slips
    calls = []

    def fail_second_chunk(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("database went away")
        return original(*args, **kwargs)

    monkeypatch.setattr(slips, "create_slips", fail_second_chunk)

    with pytest.raises(RuntimeError):
        slips.import_slips(path, load_profile("cdnow"), chunk_size=1)

    assert list(Member.objects.values_list("legacy_id", flat=True)) == ["00001"]
    assert Card.objects.count() == 1
    assert PurchaseSlip.objects.count() == 1
    record = ImportRecord.objects.get()
    assert record.status == ImportRecord.Status.FAILED
    assert "database went away" in record.message


def test_unknown_profile_rejected(purchase_file: WriteFile) -> None:
    path = purchase_file(" 00001 19970101  1  10.00")

    with pytest.raises(CommandError, match="Profile 'nope' was not found"):
        call_command("import_slips", str(path), "--profile", "nope")


def test_summary_table_lists_every_tier() -> None:
    output = StringIO()

    call_command("club_summary", stdout=output)

    text = output.getvalue()
    for code in ["ordinary", "vip", "health_star", "health_angel"]:
        assert f"tier {code}" in text
    assert "households" in text


def test_csv_profile_given_by_path(tmp_path: Path) -> None:
    shipped = Path(load_profile("cdnow").path).read_text(encoding="utf-8")
    profile_text = (
        shipped.replace("format: whitespace", "format: csv")
        .replace("customer: customer_id", "customer: 2")
        .replace("date: date", "date: 0")
        .replace("quantity: number_of_cds", "quantity: 3")
        .replace("amount: dollar_value", "amount: 1")
        .replace('date_format: "%Y%m%d"', 'date_format: "%Y-%m-%d"')
    )
    profile_path = tmp_path / "shop.yaml"
    profile_path.write_text(profile_text, encoding="utf-8")
    data_path = tmp_path / "shop.csv"
    data_path.write_text(
        "day,paid,customer,items\n1997-02-03,12.50,42,2\n1997-02-30,1.00,42,1\n",
        encoding="utf-8",
    )
    errors = StringIO()

    call_command(
        "import_slips",
        str(data_path),
        "--profile",
        str(profile_path),
        "--no-progress",
        stdout=StringIO(),
        stderr=errors,
    )

    slip = PurchaseSlip.objects.get()
    assert slip.receipt_number == "00042-19970203-1"
    assert slip.total == Decimal("12.50")
    assert slip.lines.get().quantity == 2
    assert "line 3: date '1997-02-30'" in errors.getvalue()
