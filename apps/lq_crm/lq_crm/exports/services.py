"""Record every export: who took which rows out, under which filters."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.http import HttpRequest
from rest_framework.request import Request

from lq_crm.core.users import actor_id
from lq_crm.exports.models import ExportRecord

logger = logging.getLogger(__name__)

# Query parameters that steer the desk list's display, not which rows it holds.
DISPLAY_PARAMETERS = {"o", "p", "_changelist_filters"}
ALL_MATCHING = "all"


def describe_filters(request: HttpRequest | Request) -> str:
    """Return the request's filters and search as a readable query string."""
    query = request.GET.copy()
    for name in DISPLAY_PARAMETERS:
        query.pop(name, None)
    return query.urlencode(safe="/,:")


def describe_selection(request: HttpRequest | Request) -> str:
    """Return ``all`` for a desk action on all matching rows, else the ticked count.

    An export that is no desk action (a roster link, the API) gives "".
    """
    if request.method != "POST" or "action" not in request.POST:
        return ""
    if request.POST.get("select_across") == "1":
        return ALL_MATCHING
    return str(len(request.POST.getlist(ACTION_CHECKBOX_NAME)))


def record_export(
    request: HttpRequest | Request, source: str, rows: int
) -> ExportRecord:
    """Keep a record of an export made through ``request``, and log it."""
    user: Any = request.user if request.user.is_authenticated else None
    record = ExportRecord.objects.create(
        user=user,
        source=source,
        filters=describe_filters(request),
        selection=describe_selection(request),
        rows=rows,
    )
    logger.info(
        "Export %s: %d rows of %s by user %s",
        record.pk,
        rows,
        source,
        actor_id(user),
    )
    return record
