"""Small builders of dated slips for the report tests."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from lq_crm.doctype.card.models import Card
from lq_crm.doctype.product.models import ProductCategory
from lq_crm.doctype.slip.models import PurchaseSlip
from lq_crm.doctype.slip.services import LineInput, create_slip, submit_slip
from lq_crm.doctype.store.models import Store


def local(year: int, month: int, day: int, hour: int = 12) -> datetime:
    return datetime(year, month, day, hour, tzinfo=timezone.get_current_timezone())


def dated_slip(
    card: Card,
    store: Store,
    purchased_at: datetime,
    lines: list[tuple[str, str]],
    *,
    submit: bool = True,
) -> PurchaseSlip:
    """Create a slip of (category code, amount) lines; submit it if ``submit``."""
    slip = create_slip(
        card=card,
        store=store,
        receipt_number=f"R{PurchaseSlip.objects.count() + 1:06d}",
        purchased_at=purchased_at,
        lines=[
            LineInput(
                category=ProductCategory.objects.get(code=code), amount=Decimal(amount)
            )
            for code, amount in lines
        ],
    )
    return submit_slip(slip) if submit else slip
