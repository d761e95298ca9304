"""Defaults for the history rows that django-simple-history writes."""

from __future__ import annotations

from typing import Any


def blank_missing_reason(history_instance: Any, **kwargs: Any) -> None:
    """Store an empty change reason in place of NULL.

    The desk's history page prints a missing reason as the word "None".
    """
    if history_instance.history_change_reason is None:
        history_instance.history_change_reason = ""
