from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from lq_crm.doctype.club.models import ClubSettings
from lq_crm.doctype.member.models import Member
from lq_crm.doctype.points.models import PointsLedgerEntry
from lq_crm.doctype.points.services import balance
from lq_crm.doctype.product.models import ProductCategory
from lq_crm.doctype.region.models import Region
from lq_crm.doctype.slip.models import PurchaseSlip, PurchaseSlipLine
from lq_crm.doctype.slip.services import (
    SlipError,
    cancel_slip,
    create_slip,
    line_points,
    submit_slip,
)
from lq_crm.doctype.tier.models import TierChange
from lq_crm.notify.models import Notification
from lq_crm.workflow.models import TransitionLog
from tests.conftest import make_user

from .builders import lines, make_household, make_store, submitted_slip

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("amount", "rate", "rounding", "expected"),
    [
        ("99.99", "1", "down", 99),
        ("0.99", "1", "down", 0),
        ("0.00", "1", "down", 0),
        ("100.00", "1.5", "down", 150),
        ("33.33", "1.5", "down", 49),
        ("33.33", "1.5", "half_up", 50),
        ("10.49", "1", "half_up", 10),
    ],
)
def test_line_points_rounding(
    amount: str, rate: str, rounding: str, expected: int
) -> None:
    assert line_points(Decimal(amount), Decimal(rate), rounding) == expected


def test_submit_earns_points_per_line_rounded_down(jinan: Region) -> None:
    member, card = make_household(jinan)
    store = make_store(jinan)

    slip = submitted_slip(card, store, "10.99", "20.50", "0.00")

    assert [line.points for line in slip.lines.order_by("pk")] == [10, 20, 0]
    assert balance(member) == 30
    member.refresh_from_db()
    assert member.qualifying_spend == Decimal("31.49")


def test_submit_at_once_stores_points(jinan: Region, jinan_clerk: User) -> None:
    member, card = make_household(jinan)

    slip = create_slip(
        card=card,
        store=make_store(jinan),
        receipt_number="AT-ONCE-1",
        lines=lines("10.99", "20.50"),
        clerk=jinan_clerk,
        submit=True,
    )

    stored = PurchaseSlipLine.objects.filter(slip=slip).order_by("pk")
    assert [line.points for line in stored] == [10, 20]
    assert balance(member) == 30
    assert PurchaseSlip.objects.get(pk=slip.pk).status == PurchaseSlip.Status.SUBMITTED
    assert PurchaseSlip.history.filter(id=slip.pk).count() == 1
    log = TransitionLog.objects.get(document_id=str(slip.pk), action="submit")
    assert (log.from_state, log.to_state) == ("draft", "submitted")
    assert log.user_id == jinan_clerk.pk


def test_rejected_submission_leaves_nothing(jinan: Region) -> None:
    member, card = make_household(jinan)
    outsider = make_user("portal-only", "member", [jinan])

    with pytest.raises(SlipError, match="roles"):
        create_slip(
            card=card,
            store=make_store(jinan),
            receipt_number="AT-ONCE-2",
            lines=lines("50.00"),
            clerk=outsider,
            submit=True,
        )

    assert not PurchaseSlip.objects.filter(receipt_number="AT-ONCE-2").exists()
    assert balance(member) == 0


def test_category_rate_applies(jinan: Region) -> None:
    ProductCategory.objects.filter(code="cosmetics").update(point_rate=Decimal("2"))
    member, card = make_household(jinan)
    slip = create_slip(
        card=card,
        store=make_store(jinan),
        receipt_number="C-1",
        lines=lines("12.40", category="cosmetics"),
    )

    submit_slip(slip)

    assert balance(member) == 24


def test_half_up_rounding_is_configuration(jinan: Region) -> None:
    ClubSettings.objects.update_or_create(pk=1, defaults={"points_rounding": "half_up"})
    member, card = make_household(jinan)

    submitted_slip(card, make_store(jinan), "10.50")

    assert balance(member) == 11


def test_threshold_reached_by_equality(jinan: Region) -> None:
    member, card = make_household(jinan)

    submitted_slip(card, make_store(jinan), "499.99")
    member.refresh_from_db()
    assert member.tier.code == "ordinary"

    submitted_slip(card, make_store(jinan), "0.01")
    member.refresh_from_db()
    assert member.tier.code == "vip"
    assert member.qualifying_spend == Decimal("500.00")


def test_jump_over_tiers_is_one_change_and_one_message(
    jinan: Region, django_capture_on_commit_callbacks
) -> None:
    member, card = make_household(jinan)
    store = make_store(jinan)
    submitted_slip(card, store, "1.00")
    before = TierChange.objects.filter(member=member).count()

    with django_capture_on_commit_callbacks(execute=True):
        slip = submitted_slip(card, store, "2500.00")

    changes = TierChange.objects.filter(member=member, slip=slip)
    assert changes.count() == 1
    change = changes.get()
    assert change.from_tier.code == "ordinary"
    assert change.to_tier.code == "health_angel"
    assert change.cause == TierChange.Cause.SLIP_SUBMITTED
    assert TierChange.objects.filter(member=member).count() == before + 1
    assert Notification.objects.filter(key=f"tier-change:{change.pk}").count() == 1


def test_cancel_reverses_points_spend_and_tier(jinan: Region) -> None:
    member, card = make_household(jinan)
    store = make_store(jinan)
    submitted_slip(card, store, "300.00")
    big = submitted_slip(card, store, "800.00", "150.55")
    member.refresh_from_db()
    assert member.tier.code == "health_star"
    assert balance(member) == 1250

    cancel_slip(big, reason="customer returned the goods")

    member.refresh_from_db()
    assert member.qualifying_spend == Decimal("300.00")
    assert member.tier.code == "ordinary"
    assert balance(member) == 300
    reversals = PointsLedgerEntry.objects.filter(slip=big, kind="reverse")
    assert sorted(entry.points for entry in reversals) == [-800, -150]
    downgrade = TierChange.objects.get(member=member, slip=big, cause="slip_cancelled")
    assert downgrade.to_tier.code == "ordinary"


def test_slip_cannot_be_cancelled_twice(jinan: Region) -> None:
    member, card = make_household(jinan)
    slip = submitted_slip(card, make_store(jinan), "50.00")
    cancel_slip(slip)

    with pytest.raises(SlipError, match="that is Submitted can be cancelled"):
        cancel_slip(slip)

    assert balance(member) == 0
    assert PointsLedgerEntry.objects.filter(slip=slip).count() == 2


def test_slip_cannot_be_submitted_twice(jinan: Region) -> None:
    member, card = make_household(jinan)
    slip = submitted_slip(card, make_store(jinan), "50.00")

    with pytest.raises(SlipError, match="only a slip that is Draft can be submitted"):
        submit_slip(slip)

    assert balance(member) == 50


def test_non_qualifying_category_earns_points_but_no_spend(jinan: Region) -> None:
    ProductCategory.objects.filter(code="daily").update(qualifying=False)
    member, card = make_household(jinan)
    slip = create_slip(
        card=card,
        store=make_store(jinan),
        receipt_number="D-1",
        lines=lines("600.00", category="daily"),
    )

    submit_slip(slip)

    member.refresh_from_db()
    assert member.qualifying_spend == Decimal("0.00")
    assert member.tier.code == "ordinary"
    assert balance(member) == 600


def test_status_of_submitted_slip(jinan: Region) -> None:
    _member, card = make_household(jinan)
    slip = submitted_slip(card, make_store(jinan), "5.00")

    stored = PurchaseSlip.objects.get(pk=slip.pk)
    assert stored.status == PurchaseSlip.Status.SUBMITTED
    assert stored.submitted_at is not None
    assert Member.objects.with_points().get(pk=slip.member_id).points_balance == 5
