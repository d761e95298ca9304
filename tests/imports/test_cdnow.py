"""Import the full CDNOW history and check it against the raw file."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from lq_crm.doctype.card.models import Card
from lq_crm.doctype.member.models import Member
from lq_crm.doctype.points.models import PointsLedgerEntry
from lq_crm.doctype.slip.models import PurchaseSlip, PurchaseSlipLine
from lq_crm.doctype.tier.models import TierChange
from lq_crm.imports.models import ImportRecord
from lq_crm.notify.models import Notification

# The shipped tiers' thresholds in yuan, highest first. A spend equal to a
# threshold reaches that tier.
THRESHOLDS = [
    ("health_angel", Decimal("2000")),
    ("health_star", Decimal("1000")),
    ("vip", Decimal("500")),
    ("ordinary", Decimal("0")),
]


def expected_summary(path: Path) -> dict:
    """Compute the summary straight from the raw file, without the importer."""
    spend_by_customer: dict[int, Decimal] = defaultdict(Decimal)
    slips = 0
    points = 0
    with path.open(encoding="ascii") as file:
        next(file)
        for line in file:
            customer_id, _date, _quantity, amount = line.split()
            value = Decimal(amount)
            spend_by_customer[int(customer_id)] += value
            slips += 1
            points += math.floor(value)

    tiers = {code: 0 for code, _threshold in THRESHOLDS}
    for spend in spend_by_customer.values():
        code = next(code for code, threshold in THRESHOLDS if spend >= threshold)
        tiers[code] += 1

    return {
        "households": len(spend_by_customer),
        "cards": len(spend_by_customer),
        "slips": slips,
        "spend": f"{sum(spend_by_customer.values()):.2f}",
        "points": points,
        "tiers": tiers,
    }


def summary() -> dict:
    output = StringIO()
    call_command("club_summary", "--json", stdout=output)
    return json.loads(output.getvalue())


def run_import(path: Path) -> str:
    output = StringIO()
    call_command(
        "import_slips",
        str(path),
        "--profile",
        "cdnow",
        "--no-progress",
        stdout=output,
        stderr=StringIO(),
    )
    return output.getvalue()


def table_counts() -> dict[str, int]:
    models = [
        Member,
        Member.history.model,
        Card,
        Card.history.model,
        PurchaseSlip,
        PurchaseSlip.history.model,
        PurchaseSlipLine,
        PointsLedgerEntry,
        TierChange,
        Notification,
    ]
    return {model.__name__: model.objects.count() for model in models}


@pytest.mark.django_db
def test_full_file_matches_raw_data(cdnow_file: Path) -> None:
    expected = expected_summary(cdnow_file)

    run_import(cdnow_file)

    assert summary() == expected
    assert expected["households"] == 23570
    assert expected["slips"] == 69659
    counts = table_counts()
    assert counts["HistoricalMember"] == expected["households"]
    assert counts["HistoricalCard"] == expected["cards"]
    assert counts["HistoricalPurchaseSlip"] == expected["slips"]
    assert counts["PurchaseSlipLine"] == expected["slips"]
    assert counts["PointsLedgerEntry"] == expected["slips"]
    assert counts["TierChange"] == expected["households"]
    assert counts["Notification"] == 0

    record = ImportRecord.objects.get()
    assert record.status == ImportRecord.Status.DONE
    assert record.rows == expected["slips"]
    assert record.created_count == expected["slips"]
    assert record.error_count == 0
    assert len(record.checksum) == 64

    # A second run recognises every row and writes nothing.
    output = run_import(cdnow_file)

    assert table_counts() == counts
    assert summary() == expected
    assert "69659 rows already imported" in output
    rerun = ImportRecord.objects.order_by("-pk").first()
    assert rerun is not None
    assert rerun.created_count == 0
    assert rerun.skipped_count == expected["slips"]
    assert rerun.checksum == record.checksum
