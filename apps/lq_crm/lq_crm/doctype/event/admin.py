"""Desk pages for events, their departures and trip registrations.

Registrations are made through the allocation service, from the API, the
portal or the desk's add form (desk.py). The desk shows them read-only and
changes their status with actions that call the services: cancel, check in,
mark no-shows and draw the lottery.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unfold.admin import TabularInline
from unfold.dataclasses import ActionDialog
from unfold.decorators import action
from unfold.forms import BaseDialogForm
from unfold.widgets import UnfoldAdminTextInputWidget

from lq_crm.access.scope import allowed_city_ids
from lq_crm.core.admin import CityScopedAdminMixin, DocumentAdmin, WorkflowAdminMixin
from lq_crm.core.scoping import visible_to
from lq_crm.doctype.event.allocation import (
    cancel_registration,
    ensure_default_departure,
)
from lq_crm.doctype.event.attendance import (
    check_in,
    check_in_registration,
    mark_no_shows,
)
from lq_crm.doctype.event.desk import registration_add_view
from lq_crm.doctype.event.eligibility import RegistrationError
from lq_crm.doctype.event.export import roster_response
from lq_crm.doctype.event.lottery import draw
from lq_crm.doctype.event.models import (
    Departure,
    Event,
    EventFeeShare,
    LotteryDraw,
    Registration,
    RegistrationPerson,
)


class DepartureInline(CityScopedAdminMixin, TabularInline):
    model = Departure
    fields = ["name", "departs_at", "capacity", "seats_taken", "seats_left"]
    readonly_fields = ["seats_taken", "seats_left"]
    extra = 0

    @admin.display(description=gettext_lazy("seats left"))
    def seats_left(self, obj: Departure) -> int:
        return obj.seats_left if obj.pk else 0


class LotteryDrawInline(CityScopedAdminMixin, TabularInline):
    model = LotteryDraw
    fields = ["departure", "seed", "rounds", "drawn_at", "drawn_by", "result"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EventFeeShareInline(TabularInline):
    """Fee shares by tier, with the permissions of the event they belong to."""

    model = EventFeeShare
    fields = ["tier", "percent"]
    extra = 0
    verbose_name_plural = gettext_lazy(
        "fee shares by tier (a tier not listed pays the whole fee)"
    )

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("event.view_event")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("event.change_event") or (
            obj is None and request.user.has_perm("event.add_event")
        )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_add_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_add_permission(request, obj)


class CheckInForm(BaseDialogForm):
    card_number = forms.CharField(
        widget=UnfoldAdminTextInputWidget,
        label=gettext_lazy("card number"),
        max_length=32,
        help_text=gettext_lazy("Type or scan the number printed on the card."),
    )


@admin.register(Event)
class EventAdmin(CityScopedAdminMixin, DocumentAdmin):
    inlines = [DepartureInline, EventFeeShareInline, LotteryDrawInline]
    list_display = [
        "number_display",
        "title",
        "kind",
        "city",
        "starts_at",
        "allocation_mode",
        "status",
        "seats_display",
        "waitlist_length",
        "last_draw",
    ]
    list_filter = ["status", "kind", "allocation_mode", "city"]
    search_fields = ["title", "venue"]
    date_hierarchy = "starts_at"
    filter_horizontal = ["allowed_cities"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "title",
                    "kind",
                    "city",
                    "venue",
                    "starts_at",
                    "ends_at",
                    "status",
                ]
            },
        ),
        (
            gettext_lazy("Registration"),
            {
                "fields": [
                    "registration_opens_at",
                    "registration_closes_at",
                    "capacity",
                    "household_seat_limit",
                    "allocation_mode",
                    "fee_per_person",
                ]
            },
        ),
        (
            gettext_lazy("Eligibility"),
            {
                "fields": [
                    "spend_since",
                    "spend_until",
                    "spend_basis",
                    "min_spend_new",
                    "min_spend_returning",
                    "min_tier",
                    "allowed_cities",
                ]
            },
        ),
        (gettext_lazy("Lottery"), {"fields": ["draw_results"]}),
    ]
    readonly_fields = ["draw_results"]
    actions = ["draw_lottery", "mark_no_shows_action", "export_roster"]
    actions_detail = ["check_in_detail"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Event]:
        # Province-wide events (no city) are shown to every office.
        return (
            super()
            .get_queryset(request)
            .select_related("city")
            .annotate(
                waiting=Count(
                    "registrations",
                    filter=Q(registrations__status=Registration.Status.WAITLISTED),
                )
            )
        )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Only head office changes a province-wide event.
        province_wide = obj is not None and obj.city_id is None
        if province_wide and allowed_city_ids(request.user) is not None:
            return False
        return super().has_change_permission(request, obj)

    def save_related(
        self, request: HttpRequest, form: Any, formsets: Any, change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)
        # An event saved without departures gets its default one now, so the
        # seats show in the list before the first registration.
        ensure_default_departure(form.instance)

    def has_draw_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("event.draw_event")

    def has_checkin_permission(
        self, request: HttpRequest, object_id: Any = None
    ) -> bool:
        return request.user.has_perm("event.checkin_registration")

    @admin.display(description=gettext_lazy("seats taken"))
    def seats_display(self, obj: Event) -> str:
        departures = list(obj.departures.all())
        seats_taken = sum(departure.seats_taken for departure in departures)
        capacity = sum(departure.capacity for departure in departures)
        return f"{seats_taken} / {capacity}" if departures else f"0 / {obj.capacity}"

    @admin.display(description=gettext_lazy("waiting"), ordering="waiting")
    def waitlist_length(self, obj: Event) -> int:
        return getattr(obj, "waiting", 0)

    @admin.display(description=gettext_lazy("last draw"))
    def last_draw(self, obj: Event) -> str:
        latest = obj.draws.order_by("-drawn_at").first()
        if latest is None:
            return ""

        return _("seed %(seed)s, %(winners)s of %(count)s won") % {
            "seed": latest.seed,
            "winners": len(latest.winners),
            "count": len(latest.result),
        }

    @admin.display(description=gettext_lazy("draw results"))
    def draw_results(self, obj: Event) -> str:
        """List each departure's seed and draw order, winners first."""
        if obj.pk is None:
            return ""

        lines = [
            _(
                "%(departure)s: seed %(seed)s, round %(rounds)s, "
                "draw order by registration id %(order)s, winners %(winners)s"
            )
            % {
                "departure": result.departure.name,
                "seed": result.seed,
                "rounds": result.rounds,
                "order": ", ".join(str(pk) for pk in result.result),
                "winners": ", ".join(str(pk) for pk in result.winners),
            }
            for result in obj.draws.select_related("departure")
        ]
        return "\n".join(lines) or _("Not drawn yet.")

    @admin.action(description=gettext_lazy("Draw the lottery"), permissions=["draw"])
    def draw_lottery(self, request: HttpRequest, queryset: QuerySet[Event]) -> None:
        for event in queryset:
            try:
                draws = draw(event, user=request.user)
            except RegistrationError as error:
                self.message_user(request, str(error), messages.ERROR)
                continue
            winners = sum(len(result.winners) for result in draws)
            self.message_user(
                request,
                _("%(event)s drawn: %(winners)s winners.")
                % {"event": event.number, "winners": winners},
            )

    @admin.action(
        description=gettext_lazy("Mark remaining confirmed as no-shows"),
        permissions=["checkin"],
    )
    def mark_no_shows_action(
        self, request: HttpRequest, queryset: QuerySet[Event]
    ) -> None:
        for event in queryset:
            try:
                marked = mark_no_shows(event, request.user)
            except RegistrationError as error:
                self.message_user(request, str(error), messages.ERROR)
                continue
            self.message_user(
                request,
                _("%(event)s: %(count)s registrations marked as no-shows.")
                % {"event": event.number, "count": marked},
            )

    @admin.action(description=gettext_lazy("Export the roster to Excel"))
    def export_roster(
        self, request: HttpRequest, queryset: QuerySet[Event]
    ) -> HttpResponseBase:
        registrations = visible_to(
            Registration.objects.filter(event__in=queryset), request.user
        )
        return roster_response(registrations, request)

    @action(
        description=gettext_lazy("Check in"),
        permissions=["checkin"],
        dialog=ActionDialog(
            title=gettext_lazy("Check in a household"),
            description=gettext_lazy(
                "The household's confirmed registration for this event is "
                "marked as attended."
            ),
            form_class=CheckInForm,
            form_submit_text=gettext_lazy("Check in"),
        ),
    )
    def check_in_detail(
        self, request: HttpRequest, form: CheckInForm, object_id: int
    ) -> HttpResponseRedirect:
        event = get_object_or_404(self.get_queryset(request), pk=object_id)
        try:
            registration = check_in(
                event, form.cleaned_data["card_number"], request.user
            )
        except RegistrationError as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.message_user(
                request,
                _("%(registration)s checked in.") % {"registration": registration},
            )
        return HttpResponseRedirect(
            reverse("admin:event_event_change", args=[event.pk])
        )


class RegistrationPersonInline(CityScopedAdminMixin, TabularInline):
    model = RegistrationPerson
    fields = ["name", "person"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RegistrationCancelForm(BaseDialogForm):
    reason = forms.CharField(
        widget=UnfoldAdminTextInputWidget,
        label=gettext_lazy("reason"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Why the registration is cancelled, for the history."),
    )


@admin.register(Registration)
class RegistrationAdmin(CityScopedAdminMixin, WorkflowAdminMixin, DocumentAdmin):
    inlines = [RegistrationPersonInline]
    workflow_action_forms = {"cancel": RegistrationCancelForm}
    workflow_errors = (RegistrationError,)
    list_display = [
        "number_display",
        "event",
        "departure",
        "member",
        "seats",
        "status",
        "waitlist_position",
        "fee_due",
        "created",
    ]
    list_filter = ["event", "departure", "status", "member__city"]
    list_select_related = ["event", "departure", "member"]
    search_fields = ["member__name", "card__card_number"]
    readonly_fields = [
        "event",
        "departure",
        "member",
        "card",
        "seats",
        "status",
        "waitlist_position",
        "fee_due",
        "fee_tier",
        "fee_percent",
        "eligible_spend",
        "spend_since",
        "spend_until",
        "eligibility_rule",
        "lottery_draw",
        "checked_in_at",
        "cancelled_at",
    ]
    fields = [*readonly_fields, "note"]
    actions = ["cancel_selected", "check_in_selected", "export_roster"]

    def add_view(
        self,
        request: HttpRequest,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponseBase:
        # Registrations are made through the allocation service, so the add
        # page is the two-step form of desk.py, not a model form.
        if not self.has_add_permission(request):
            raise PermissionDenied
        return registration_add_view(self, request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_cancel_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("event.cancel_registration")

    def has_checkin_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("event.checkin_registration")

    def run_on_each(
        self,
        request: HttpRequest,
        queryset: QuerySet[Registration],
        change: Any,
        done_message: str,
    ) -> None:
        """Apply a service to each selected registration and report what failed."""
        done = 0
        for registration in queryset:
            try:
                change(registration)
            except RegistrationError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, done_message % {"count": done})

    @admin.action(
        description=gettext_lazy("Cancel selected registrations"),
        permissions=["cancel"],
    )
    def cancel_selected(
        self, request: HttpRequest, queryset: QuerySet[Registration]
    ) -> None:
        self.run_on_each(
            request,
            queryset,
            lambda registration: cancel_registration(registration, request.user),
            _("%(count)s registrations cancelled."),
        )

    @admin.action(
        description=gettext_lazy("Check in selected registrations"),
        permissions=["checkin"],
    )
    def check_in_selected(
        self, request: HttpRequest, queryset: QuerySet[Registration]
    ) -> None:
        self.run_on_each(
            request,
            queryset,
            lambda registration: check_in_registration(registration, request.user),
            _("%(count)s registrations checked in."),
        )

    @admin.action(description=gettext_lazy("Export selected to Excel"))
    def export_roster(
        self, request: HttpRequest, queryset: QuerySet[Registration]
    ) -> HttpResponseBase:
        return roster_response(queryset, request)
