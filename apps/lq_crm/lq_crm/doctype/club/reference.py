"""Keep the rarely changing rows that every slip reads in a per-process memo.

Club settings, tiers, product categories and stores are read on every slip
submitted through the API. They are memoised per process under a version
token of their own in the shared cache (lq_crm.core.versions). Saving or
deleting one of these rows replaces the token once the transaction commits,
so the next read in any process reloads them from the database. Inside a
transaction that changed one of them, reads bypass the memo until it ends.

NOTE: ``QuerySet.update()`` and ``bulk_create`` send no signals, so a change
made that way stays unseen by other processes until the next saved change
or a flush of the cache.

Callers must treat the returned instances as read-only, because every
request in the process shares them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db.models.signals import post_delete, post_save

from lq_crm.core import versions
from lq_crm.doctype.club.models import ClubSettings
from lq_crm.doctype.product.models import ProductCategory
from lq_crm.doctype.store.models import Store
from lq_crm.doctype.tier.models import Tier

VERSION_KEY = "club:reference:version"
CACHED_MODELS = (ClubSettings, Tier, ProductCategory, Store)

ValueT = TypeVar("ValueT")

# Memo name -> (version token, time loaded, value).
memo: dict[Any, tuple[str, float, Any]] = {}


def memoised(name: str, load: Callable[[], ValueT]) -> ValueT:
    """Return the memo ``name`` for the current version, loading it when stale."""
    return versions.memoised(memo, name, VERSION_KEY, load)


def club_settings() -> ClubSettings:
    """Return the club's one settings row."""
    return memoised("club_settings", ClubSettings.load)


def tiers() -> list[Tier]:
    """Return every tier, lowest threshold first."""
    return memoised("tiers", lambda: list(Tier.objects.order_by("threshold")))


def categories_by_code() -> dict[str, ProductCategory]:
    return memoised(
        "categories", lambda: {row.code: row for row in ProductCategory.objects.all()}
    )


def stores_by_code() -> dict[str, Store]:
    return memoised("stores", lambda: {row.code: row for row in Store.objects.all()})


def mark_changed(**kwargs: Any) -> None:
    """Invalidate every process's memo once the current transaction commits."""
    versions.schedule_bump(VERSION_KEY)


def connect_signals() -> None:
    for model in CACHED_MODELS:
        label = model._meta.label_lower
        post_save.connect(mark_changed, sender=model, dispatch_uid=f"ref-save-{label}")
        post_delete.connect(
            mark_changed, sender=model, dispatch_uid=f"ref-delete-{label}"
        )
