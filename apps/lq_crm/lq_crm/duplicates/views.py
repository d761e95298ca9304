"""The review queue of duplicate households in the desk, and merge and undo."""

from __future__ import annotations

import logging
from typing import Any, cast

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lq_crm.access.scope import allowed_city_ids
from lq_crm.core.jobs import enqueue_on_commit
from lq_crm.duplicates.jobs import find_duplicates_job
from lq_crm.duplicates.merging import (
    AlreadyMerged,
    AlreadyUndone,
    MergeError,
    merge_members,
    undo_merge,
)
from lq_crm.duplicates.models import (
    DuplicateCandidate,
    DuplicateCandidateQuerySet,
    Merge,
)
from lq_crm.duplicates.review import (
    masked_phone_for,
    merges_visible_to,
    pair_facts,
    pairs_visible_to,
)
from lq_crm.duplicates.services import CandidateError, mark_not_duplicates

logger = logging.getLogger(__name__)

PAGE_SIZE = 25
VIEW_PAIRS = "duplicates.view_duplicatecandidate"
DECIDE_PAIRS = "duplicates.change_duplicatecandidate"
VIEW_MERGES = "duplicates.view_merge"
UNDO_MERGES = "duplicates.change_merge"


def require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


def desk_context(request: HttpRequest, title: str, **extra: Any) -> dict[str, Any]:
    return {**admin.site.each_context(request), "title": title, **extra}


def visible_pairs(request: HttpRequest) -> DuplicateCandidateQuerySet:
    queryset = DuplicateCandidate.objects.select_related(
        "member_low__city", "member_high__city"
    )
    return cast(DuplicateCandidateQuerySet, pairs_visible_to(queryset, request.user))


def queue(request: HttpRequest) -> HttpResponse:
    """List the open pairs of the user's cities, most likely first."""
    require(request, VIEW_PAIRS)
    pairs = visible_pairs(request).open().order_by("-score", "pk")
    page = Paginator(pairs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "pair": pair,
            "low_phone": masked_phone_for(pair.member_low, request.user),
            "high_phone": masked_phone_for(pair.member_high, request.user),
        }
        for pair in page
    ]
    context = desk_context(
        request,
        _("Possible duplicate households"),
        page=page,
        rows=rows,
        may_decide=request.user.has_perm(DECIDE_PAIRS),
        may_scan=request.user.has_perm(DECIDE_PAIRS) and is_head_office(request),
    )
    return render(request, "duplicates/queue.html", context)


def is_head_office(request: HttpRequest) -> bool:
    return allowed_city_ids(request.user) is None


def review(request: HttpRequest, pk: int) -> HttpResponse:
    """Show a pair's evidence side by side, with the decisions."""
    require(request, VIEW_PAIRS)
    pair = get_object_or_404(visible_pairs(request), pk=pk)
    low, high = pair_facts(pair, request.user)
    merge = pair.merges.filter(status=Merge.Status.DONE).first()
    context = desk_context(
        request,
        _("Review possible duplicates"),
        pair=pair,
        households=[low, high],
        merge=merge,
        may_decide=request.user.has_perm(DECIDE_PAIRS)
        and pair.status == DuplicateCandidate.Status.OPEN
        and not (low.member.merged_into_id or high.member.merged_into_id),
    )
    return render(request, "duplicates/review.html", context)


@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Merge the pair, keeping the chosen household, or mark it not duplicates."""
    require(request, DECIDE_PAIRS)
    pair = get_object_or_404(visible_pairs(request), pk=pk)
    action = request.POST.get("action", "")
    if action == "not_duplicates":
        return dismiss(request, pair)

    survivor_id = request.POST.get("survivor", "")
    members = {
        str(pair.member_low_id): pair.member_low,
        str(pair.member_high_id): pair.member_high,
    }
    if action != "merge" or survivor_id not in members:
        messages.error(request, _("Choose the household to keep, then merge."))
        return HttpResponseRedirect(reverse("duplicates:review", args=[pair.pk]))

    survivor = members.pop(survivor_id)
    merged = next(iter(members.values()))
    return merge(request, pair, survivor, merged)


def dismiss(request: HttpRequest, pair: DuplicateCandidate) -> HttpResponse:
    try:
        mark_not_duplicates(pair, request.user)
    except CandidateError as error:
        logger.info("Pair %s not marked: %s", pair.pk, error)
        messages.error(request, str(error))
        return HttpResponseRedirect(reverse("duplicates:review", args=[pair.pk]))

    messages.success(
        request, _("Marked as not duplicates; this pair will not be shown again.")
    )
    return HttpResponseRedirect(reverse("duplicates:queue"))


def merge(
    request: HttpRequest, pair: DuplicateCandidate, survivor: Any, merged: Any
) -> HttpResponse:
    try:
        result = merge_members(survivor, merged, user=request.user)
    except AlreadyMerged as error:
        messages.info(request, str(error))
        if error.merge is not None:
            return HttpResponseRedirect(
                reverse("duplicates:merge", args=[error.merge.pk])
            )
        return HttpResponseRedirect(reverse("duplicates:review", args=[pair.pk]))
    except MergeError as error:
        logger.info("Pair %s not merged: %s", pair.pk, error)
        messages.error(request, str(error))
        return HttpResponseRedirect(reverse("duplicates:review", args=[pair.pk]))

    messages.success(
        request,
        _("Household %(merged)s was merged into %(survivor)s.")
        % {"merged": merged.number, "survivor": survivor.number},
    )
    return HttpResponseRedirect(reverse("duplicates:merge", args=[result.pk]))


def visible_merges(request: HttpRequest) -> QuerySet[Merge]:
    queryset = Merge.objects.select_related("survivor", "merged", "owner", "undone_by")
    return merges_visible_to(queryset, request.user)


def merge_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, VIEW_MERGES)
    merge_record = get_object_or_404(visible_merges(request), pk=pk)
    context = desk_context(
        request,
        _("Merge %(number)s") % {"number": merge_record.number},
        merge=merge_record,
        moved=merge_record.rows.count(),
        may_undo=request.user.has_perm(UNDO_MERGES)
        and merge_record.status == Merge.Status.DONE,
    )
    return render(request, "duplicates/merge.html", context)


@require_POST
def undo(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, UNDO_MERGES)
    merge_record = get_object_or_404(visible_merges(request), pk=pk)
    try:
        undo_merge(merge_record, user=request.user)
    except AlreadyUndone as error:
        messages.info(request, str(error))
    except MergeError as error:
        logger.info("Merge %s not undone: %s", merge_record.pk, error)
        messages.error(request, str(error))
    else:
        messages.success(request, _("The merge was undone."))
    return HttpResponseRedirect(reverse("duplicates:merge", args=[merge_record.pk]))


@require_POST
def scan(request: HttpRequest) -> HttpResponse:
    """Queue a scan of every household; head office only, as it spans all cities."""
    require(request, DECIDE_PAIRS)
    if not is_head_office(request):
        raise PermissionDenied
    enqueue_on_commit(find_duplicates_job, job_id="find-duplicates")
    messages.success(
        request, _("A scan of all households was queued; new pairs appear here.")
    )
    return HttpResponseRedirect(reverse("duplicates:queue"))
