"""Desk views of the reports: dashboards, figure pages and drill-down lists."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from lq_crm.core.jobs import enqueue_on_commit
from lq_crm.core.scoping import visible_to
from lq_crm.doctype.event.models import Event
from lq_crm.reports.dashboards import dashboard_for
from lq_crm.reports.exports import export_list, export_table
from lq_crm.reports.figures.sales import category_totals_table, city_totals_table
from lq_crm.reports.figures.signups import signup_totals_table
from lq_crm.reports.figures.tiers import tier_distribution_table
from lq_crm.reports.filters import ReportFilterForm, ReportFilters, filters_from_request
from lq_crm.reports.invitations import (
    INVITABLE_STATUSES,
    InvitationError,
    check_event,
    invite_job,
    job_id_for,
)
from lq_crm.reports.lists import household_list, slip_list
from lq_crm.reports.pages import PAGES, PAGES_BY_NAME, segment_rules_form
from lq_crm.reports.tables import Table

logger = logging.getLogger(__name__)

View = Callable[..., HttpResponse]
REPORT_PERMISSIONS = ("member.view_member", "slip.view_purchaseslip")
INVITE_PERMISSION = "event.change_event"
LIST_PAGE_SIZE = 50


def may_view_reports(user: Any) -> bool:
    return bool(user.is_active and user.is_staff and user.has_perms(REPORT_PERMISSIONS))


def show_in_sidebar(request: HttpRequest) -> bool:
    """Tell unfold's sidebar whether to list the report pages for this user."""
    return may_view_reports(request.user)


def report_view(view: View) -> View:
    """Wrap a view for the desk: staff login first, then 403 without the rights."""

    @wraps(view)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not may_view_reports(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return admin.site.admin_view(checked)


def page_context(
    request: HttpRequest, title: Any, form: ReportFilterForm, current: str
) -> dict[str, Any]:
    query = request.GET.copy()
    query.pop("export", None)
    query.pop("page", None)
    return {
        **admin.site.each_context(request),
        "title": title,
        "form": form,
        "pages": PAGES,
        "current": current,
        "query": query.urlencode(),
    }


def render_tables(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    tables: list[Table],
) -> HttpResponse:
    """Render the page, or one of its figures as Excel when ``export`` names it."""
    key = request.GET.get("export")
    if key:
        for table in tables:
            if table.key == key:
                return export_table(request, table)
        raise Http404(_("This page has no figure %(key)s.") % {"key": key})

    return TemplateResponse(request, template, {**context, "tables": tables})


@report_view
def dashboard(request: HttpRequest) -> HttpResponse:
    """Show head office's dashboard, or a city's when one city is chosen or allowed."""
    form, filters = filters_from_request(request.GET, request.user)
    context = page_context(request, _("Dashboard"), form, "dashboard")
    if form.is_bound and not form.is_valid():
        return render_tables(request, "reports/dashboard.html", context, [])

    context["summary"] = dashboard_for(filters.city_ids, timezone.localdate())
    tables = [
        city_totals_table(filters),
        category_totals_table(filters),
        signup_totals_table(filters),
        tier_distribution_table(filters),
    ]
    return render_tables(request, "reports/dashboard.html", context, tables)


@report_view
def report_page(request: HttpRequest, name: str) -> HttpResponse:
    page = PAGES_BY_NAME.get(name)
    if page is None:
        raise Http404(_("There is no report %(name)s.") % {"name": name})

    form, filters = filters_from_request(request.GET, request.user)
    context = page_context(request, page.title, form, page.name)
    if page.name == "segments":
        context["rules_form"] = segment_rules_form(request)
    if form.is_bound and not form.is_valid():
        return render_tables(request, "reports/page.html", context, [])

    return render_tables(
        request, "reports/page.html", context, page.build(filters, request)
    )


class BadListRequest(Exception):
    """A drill-down link with a parameter that cannot be read."""


def bad_list_request(view: View) -> View:
    """Return a 400 response with the error message of a BadListRequest."""

    @wraps(view)
    def answered(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except BadListRequest as error:
            return HttpResponseBadRequest(str(error), content_type="text/plain")

    return answered


def list_filters(request: HttpRequest) -> tuple[ReportFilterForm, ReportFilters]:
    form, filters = filters_from_request(request.GET, request.user)
    if form.is_bound and not form.is_valid():
        raise Http404(
            _("The list's filters are invalid: %(errors)s")
            % {"errors": form.errors.as_text()}
        )
    return form, filters


@report_view
@bad_list_request
def households(request: HttpRequest) -> HttpResponse:
    """List the households behind a figure; export them or invite them to an event."""
    form, filters = list_filters(request)
    rules = segment_rules_form(request).rules()
    try:
        members = household_list(filters, request.GET, rules, request.user)
    except ValidationError as error:
        raise BadListRequest(" ".join(error.messages)) from None

    if request.method == "POST":
        return invite(request, members)
    if request.GET.get("export") == "xlsx":
        return export_list(request, members)

    context = page_context(request, _("Households"), form, "households")
    members = members.select_related("city", "tier")
    context["page_obj"] = Paginator(members, LIST_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context["events"] = invitable_events(request)
    context["may_invite"] = request.user.has_perm(INVITE_PERMISSION)
    return TemplateResponse(request, "reports/households.html", context)


def invitable_events(request: HttpRequest) -> list[Event]:
    if not request.user.has_perm(INVITE_PERMISSION):
        return []
    events = Event.objects.filter(
        status__in=INVITABLE_STATUSES, starts_at__gt=timezone.now()
    )
    return list(visible_to(events, request.user).order_by("starts_at")[:100])


def invite(request: HttpRequest, members: Any) -> HttpResponse:
    """Queue invitations to the chosen event for the listed households."""
    if not request.user.has_perm(INVITE_PERMISSION):
        raise PermissionDenied
    event_id = request.POST.get("event", "")
    event = (
        visible_to(Event.objects.all(), request.user)
        .filter(pk=event_id if event_id.isdigit() else 0)
        .first()
    )
    if event is None:
        messages.error(request, _("Choose an event to invite the households to."))
        return redirect(request.get_full_path())

    try:
        check_event(event)
    except InvitationError as error:
        messages.error(request, str(error))
        return redirect(request.get_full_path())

    member_ids = list(members.values_list("pk", flat=True))
    with transaction.atomic():
        enqueue_on_commit(
            invite_job, event.pk, member_ids, job_id=job_id_for(event.pk, member_ids)
        )
    logger.info(
        "Invitations to event %s requested for %s households", event.pk, len(member_ids)
    )
    messages.success(
        request,
        _(
            "Invitations to %(event)s are being sent to the %(count)d listed "
            "households that consented to marketing messages; each household "
            "is invited once."
        )
        % {"event": event.title, "count": len(member_ids)},
    )
    return redirect(request.get_full_path())


@report_view
@bad_list_request
def slips(request: HttpRequest) -> HttpResponse:
    """List the submitted slips behind a sales figure, or export them."""
    form, filters = list_filters(request)
    try:
        rows = slip_list(filters, request.GET, request.user)
    except ValidationError as error:
        raise BadListRequest(" ".join(error.messages)) from None
    if request.GET.get("export") == "xlsx":
        return export_list(request, rows)

    context = page_context(request, _("Slips"), form, "slips")
    rows = rows.select_related("store", "store__city", "card", "member")
    context["page_obj"] = Paginator(rows, LIST_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return TemplateResponse(request, "reports/slips.html", context)
