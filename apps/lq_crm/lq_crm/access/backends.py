"""The authentication backend: Django's, with permission sets kept per process.

Django's ModelBackend reads a user's permissions with two queries on every
request. This backend keeps them in the access memo (lq_crm.access.memo),
which every change of permissions, groups or users invalidates.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from lq_crm.access.memo import remembered


class MemoisedModelBackend(ModelBackend):
    """Django's ModelBackend with each user's permission set memoised per process."""

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()

        if not hasattr(user_obj, "_perm_cache"):
            user_obj._perm_cache = set(self.memoised_permissions(user_obj))
        return user_obj._perm_cache

    def memoised_permissions(self, user_obj: Any) -> frozenset[str]:
        def load() -> frozenset[str]:
            return frozenset(ModelBackend.get_all_permissions(self, user_obj))

        name = ("permissions", user_obj.pk, bool(user_obj.is_superuser))
        return remembered(name, load)
