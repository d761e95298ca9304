from decimal import Decimal

import pytest

from lq_crm.doctype.slip.models import PurchaseSlip
from lq_crm.workflow.conditions import (
    ConditionError,
    evaluate_condition,
    field_names,
    validate_condition,
)

SLIP_FIELDS = field_names(PurchaseSlip)


@pytest.mark.parametrize(
    "expression",
    [
        'status == "draft"',
        "total >= 100 and not cancel_reason",
        'status in ("draft", "submitted")',
        "len(receipt_number) > 2",
        "total * 2 - 1 > 0 or card == None",
        "-total < 0 if total else False",
    ],
)
def test_valid_expressions_accepted(expression: str) -> None:
    validate_condition(expression, SLIP_FIELDS)


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("status.upper()", "calls a function"),
        ("card.member", "Attribute"),
        ("status.__class__", "Attribute"),
        ('__import__("os")', "calls a function"),
        ('open("/etc/passwd")', "calls a function"),
        ("len(status, key=1)", "keyword arguments"),
        ("receipt_number[0]", "Subscript"),
        ("[x for x in status]", "ListComp"),
        ("{1: 2}", "Dict"),
        ('f"{status}"', "JoinedStr"),
        ("lambda: 1", "Lambda"),
        ("unknown_field == 1", "not a field"),
        ("status ==", "not a valid expression"),
        ("status = 1", "not a valid expression"),
        ("1 " + "+ 1 " * 300, "longer than"),
    ],
)
def test_unsafe_expressions_rejected(expression: str, reason: str) -> None:
    with pytest.raises(ConditionError, match=reason):
        validate_condition(expression, SLIP_FIELDS)


def test_evaluate_reads_fields() -> None:
    slip = PurchaseSlip(status="draft", total=Decimal("120.00"), receipt_number="R1")

    assert evaluate_condition('total > 100 and status == "draft"', slip) is True
    assert evaluate_condition("total > 200", slip) is False
    assert evaluate_condition("len(receipt_number) == 2", slip) is True


def test_evaluate_gives_foreign_key_id() -> None:
    slip = PurchaseSlip(card_id=42)

    assert evaluate_condition("card == 42", slip) is True
    assert evaluate_condition("member == None", slip) is True


def test_evaluate_rejects_unsafe_expression() -> None:
    slip = PurchaseSlip(status="draft")

    with pytest.raises(ConditionError, match="Attribute"):
        evaluate_condition("status.__class__", slip)


def test_evaluate_reports_type_error() -> None:
    slip = PurchaseSlip(submitted_at=None)

    with pytest.raises(ConditionError, match="could not be evaluated"):
        evaluate_condition("submitted_at > 3", slip)
