from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from lq_crm.doctype.product.models import ProductCategory


@transaction.atomic
def load_categories(rows: list[dict[str, Any]]) -> int:
    """Create missing categories; keep point rates edited in the desk."""
    for row in rows:
        ProductCategory.objects.get_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "point_rate": Decimal(row["point_rate"]),
                "position": row.get("position", 0),
            },
        )
    return len(rows)
