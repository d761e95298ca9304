from __future__ import annotations

from typing import Any

from django.db import transaction

from lq_crm.notify.models import MessageTemplate


@transaction.atomic
def load_templates(rows: list[dict[str, Any]]) -> int:
    """Create missing templates; keep texts edited in the desk."""
    for row in rows:
        template, _created = MessageTemplate.objects.get_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "subject": row.get("subject", ""),
                "body": row["body"],
            },
        )
        if template.help_text != row.get("fields", ""):
            template.help_text = row.get("fields", "")
            template.save(update_fields=["help_text"])
    return len(rows)
