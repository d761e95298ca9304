"""Pieces that every document type's API shares."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request


class NumberField(serializers.ReadOnlyField):
    """The document's readable number, such as PS-2026-000123."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "Readable number to quote on the phone.")
        super().__init__(**kwargs)


def require_permission(request: Request, permission: str) -> None:
    """Raise 403 unless the user holds ``permission`` (``app_label.codename``)."""
    if not request.user.has_perm(permission):
        raise PermissionDenied()
