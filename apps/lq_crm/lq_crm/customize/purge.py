"""Remove the stored values of a custom field from every document."""

from __future__ import annotations

import logging

from django.db import transaction

from lq_crm.customize.models import CustomField

logger = logging.getLogger(__name__)


def purge_values(field: CustomField) -> int:
    """Remove ``field``'s key from the ``custom`` values of its documents.

    Rows are updated with ``QuerySet.update`` so that neither ``modified``
    nor the history changes: purging is housekeeping, not an edit of the
    document. Returns the number of documents changed.
    """
    model = field.target_model()
    if model is None:
        return 0

    # The rows stay locked until the end, so a document saved meanwhile
    # cannot lose its other values to the rewrite below.
    with transaction.atomic():
        rows = model._default_manager.filter(custom__has_key=field.key)
        locked = rows.select_for_update().values_list("pk", "custom")
        count = 0
        for pk, custom in locked:
            remaining = {k: v for k, v in custom.items() if k != field.key}
            model._default_manager.filter(pk=pk).update(custom=remaining)
            count += 1
    logger.info(
        "Purged custom field %s from %d %s rows",
        field.key,
        count,
        model._meta.label_lower,
    )
    return count
