from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from lq_crm.doctype.tier.models import Tier


@transaction.atomic
def load_tiers(rows: list[dict[str, Any]]) -> int:
    """Create missing tiers; keep thresholds and benefits edited in the desk."""
    for row in rows:
        Tier.objects.get_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "threshold": Decimal(row["threshold"]),
                "benefits": row.get("benefits", ""),
            },
        )
    return len(rows)
