"""Keep each user's roles, cities and permissions per process until one changes.

Every request through the desk, the portals and the API reads what the user
may do: the permission set, the role codes the workflows check and the
cities of the user's scope. Read from the database, that is four or five
queries per request. They are kept in a per-process memo under the version
token ``VERSION_KEY`` (lq_crm.core.versions). Every change that can alter
them replaces the token once its transaction commits. Such changes are a
group's or a user's permissions, a user's groups, a role, a city scope and
its cities, and a deleted group, permission or user. A new user replaces it
too, because it may take the id of a user removed by a database flush. A
user's active and superuser flags are read from the user object as it is,
so they need no token.

NOTE: ``QuerySet.update()``, ``bulk_create`` and rows written through a
relation's own through model send no signals, and the token is written to
the cache after the commit, which can fail. Every value is therefore also
read again after ``MAX_AGE`` seconds, which bounds how long such a change
goes unseen.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from django.contrib.auth.models import Group, Permission, User
from django.db.models.signals import m2m_changed, post_delete, post_save

from lq_crm.access.models import CityScope, Role
from lq_crm.core import versions

VERSION_KEY = "access:version"
MAX_AGE = 60.0

ValueT = TypeVar("ValueT")

# (what, user id, ...) -> (version token, time loaded, value).
memo: dict[Any, tuple[str, float, Any]] = {}


def remembered(name: Hashable, load: Callable[[], ValueT]) -> ValueT:
    """Return the memo ``name`` for the current access token, loading it when stale."""
    return versions.memoised(memo, name, VERSION_KEY, load, max_age=MAX_AGE)


def mark_changed(**kwargs: Any) -> None:
    """Make every process read access rows again once the transaction commits."""
    versions.schedule_bump(VERSION_KEY)


def mark_user_created(created: bool, **kwargs: Any) -> None:
    if created:
        versions.schedule_bump(VERSION_KEY)


def connect_signals() -> None:
    for through in (
        Group.permissions.through,
        User.user_permissions.through,
        User.groups.through,
        CityScope.cities.through,
    ):
        m2m_changed.connect(
            mark_changed, sender=through, dispatch_uid=f"access-memo-{through}"
        )
    for saved in (CityScope, Role, Permission):
        post_save.connect(
            mark_changed, sender=saved, dispatch_uid=f"access-memo-save-{saved}"
        )
    for deleted in (Group, Permission, User, CityScope, Role):
        post_delete.connect(
            mark_changed, sender=deleted, dispatch_uid=f"access-memo-delete-{deleted}"
        )
    post_save.connect(mark_user_created, sender=User, dispatch_uid="access-memo-new")
