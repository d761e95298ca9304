"""Background job that scans every household for duplicates."""

from __future__ import annotations

import logging

from lq_crm.duplicates.services import scan_all_members

logger = logging.getLogger(__name__)


def find_duplicates_job() -> int:
    """Record new candidate pairs over all households; safe to run twice.

    A second run finds the pairs stored by the first and adds none.
    """
    logger.info("Duplicate scan job started")
    return scan_all_members()
