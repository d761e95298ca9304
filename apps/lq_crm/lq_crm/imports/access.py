"""Import rights: the kinds a user may import and the records they may follow."""

from __future__ import annotations

from typing import Any

from lq_crm.access.scope import allowed_city_ids
from lq_crm.imports.models import ImportRecord
from lq_crm.imports.services import KINDS


def kinds_for(user: Any) -> list[str]:
    """Return the import kinds whose rows the user may add."""
    return [
        kind
        for kind, importer in KINDS.items()
        if user.has_perm(importer.add_permission)
    ]


def may_follow(user: Any, record: ImportRecord) -> bool:
    """Tell whether the user may see a record's progress, preview and error file.

    The error file contains the rows as uploaded, so only the user who uploaded
    it and head-office users with the right to view import records may.
    """
    if record.user_id == user.pk:
        return True

    head_office = allowed_city_ids(user) is None
    return head_office and bool(user.has_perm("imports.view_importrecord"))
