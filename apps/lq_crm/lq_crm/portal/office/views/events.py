"""Register the city's households for events, check them in, list registrations."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from lq_crm.doctype.card.services import CardError
from lq_crm.doctype.event.allocation import register
from lq_crm.doctype.event.attendance import check_in
from lq_crm.doctype.event.eligibility import EligibilityError, RegistrationError
from lq_crm.doctype.event.models import Event, Registration
from lq_crm.portal.office.forms import CheckInForm, RegistrationForm, SearchForm
from lq_crm.portal.office.masking import member_name, person_name
from lq_crm.portal.office.services import (
    household_of,
    open_to_city,
    persons_from_names,
    registrable_events,
    seats_of,
)
from lq_crm.portal.office.views.base import (
    CHECK_IN_PERMISSIONS,
    REGISTER_PERMISSIONS,
    OfficePage,
)
from lq_crm.portal.office.views.slips import CityCardsMixin


class RegisterView(CityCardsMixin):
    template_name = "office_portal/register.html"
    permissions = REGISTER_PERMISSIONS

    def events(self) -> QuerySet[Event]:
        visible = self.rows(Event.objects.all())
        events = registrable_events(visible, self.city, timezone.now())
        return events.order_by("starts_at", "pk")

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        initial = {
            "event": request.GET.get("event"),
            "card_number": request.GET.get("card", ""),
        }
        return self.show(RegistrationForm(initial=initial, events=self.events()))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = RegistrationForm(request.POST, events=self.events())
        if not form.is_valid():
            return self.show(form)

        data = form.cleaned_data
        try:
            card = self.find_card(data["card_number"])
            member = household_of(card)
            self.require_writable(Registration(member=member))
            registration = register(
                data["event"],
                card,
                persons_from_names(member, data["persons"]),
                departure=data["departure"],
                user=request.user,
                waitlist_rest=data["waitlist_rest"],
            )
        except CardError as error:
            form.add_error("card_number", str(error))
            return self.show(form)
        except EligibilityError as error:
            return self.show(form, eligibility_error=str(error))
        except RegistrationError as error:
            form.add_error(None, str(error))
            return self.show(form)

        messages.success(
            request,
            _("Registration %(number)s saved: %(status)s.")
            % {
                "number": registration.number,
                "status": registration.get_status_display(),
            },
        )
        return redirect("office_portal:registration", pk=registration.pk)

    def show(self, form: RegistrationForm, eligibility_error: str = "") -> HttpResponse:
        events = self.events().prefetch_related("departures")
        context = self.get_context_data(
            form=form,
            eligibility_error=eligibility_error,
            seats=[seats_of(event) for event in events],
        )
        return self.render_to_response(context)


class CheckInView(CityCardsMixin):
    """Check a household in at an event of the city by its card number."""

    template_name = "office_portal/check_in.html"
    permissions = CHECK_IN_PERMISSIONS

    def get_event(self, pk: int) -> Event:
        visible = open_to_city(self.rows(Event.objects.all()), self.city)
        return get_object_or_404(visible, pk=pk)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        pk = kwargs.get("pk")
        if pk is None:
            return self.show_events()
        return self.show(self.get_event(pk), CheckInForm())

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        event = self.get_event(kwargs["pk"])
        form = CheckInForm(request.POST)
        if not form.is_valid():
            return self.show(event, form)

        try:
            card = self.find_card(form.cleaned_data["card_number"])
            registration = Registration.objects.filter(
                event=event, member_key=card.member_id
            ).first()
            if registration is not None:
                self.require_writable(registration)
            registration = check_in(event, card.card_number, request.user)
        except (CardError, RegistrationError) as error:
            form.add_error("card_number", str(error))
            return self.show(event, form)

        messages.success(
            request,
            _("%(name)s checked in: %(seats)s persons.")
            % {
                "name": member_name(registration.member, request.user),
                "seats": registration.seats,
            },
        )
        return redirect("office_portal:check-in-event", pk=event.pk)

    def show_events(self) -> HttpResponse:
        today = timezone.localdate()
        events = open_to_city(self.rows(Event.objects.all()), self.city).filter(
            status__in=[Event.Status.OPEN, Event.Status.CLOSED],
            ends_at__date__gte=today,
        )
        context = self.get_context_data(events=events.order_by("starts_at", "pk"))
        return self.render_to_response(context)

    def show(self, event: Event, form: CheckInForm) -> HttpResponse:
        attended = self.rows(
            Registration.objects.filter(
                event=event, status=Registration.Status.ATTENDED
            )
        )
        confirmed = self.rows(
            Registration.objects.filter(
                event=event, status=Registration.Status.CONFIRMED
            )
        )
        context = self.get_context_data(
            event=event,
            form=form,
            attended=attended.count(),
            confirmed=confirmed.count(),
        )
        return self.render_to_response(context)


def registration_search(query: str) -> Q:
    """Match a registration number, a card number or the start of a name."""
    condition = Q(card__card_number="".join(query.split())) | Q(
        member__name__startswith=query
    )
    pk = Registration.objects.by_number(query).values_list("pk", flat=True)
    return condition | Q(pk__in=list(pk))


class RegistrationListView(OfficePage):
    template_name = "office_portal/registration_list.html"
    permissions = ("event.view_registration",)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        search = SearchForm(self.request.GET)
        registrations = self.rows(
            Registration.objects.select_related("event", "member", "card")
        )
        query = search.cleaned_data["q"].strip() if search.is_valid() else ""
        if query:
            registrations = registrations.filter(registration_search(query))
        page = self.paginate(registrations.order_by("-pk"))
        for registration in page:
            registration.name_display = member_name(
                registration.member, self.request.user
            )
        context.update(search=search, query=query, page=page)
        return context


class RegistrationDetailView(OfficePage):
    template_name = "office_portal/registration_detail.html"
    permissions = ("event.view_registration",)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        registration = self.get_row(
            Registration.objects.select_related("event", "member", "card", "departure"),
            kwargs["pk"],
        )
        context.update(
            registration=registration,
            persons=[
                person_name(person.name, self.request.user)
                for person in registration.persons.all()
            ],
            name_display=member_name(registration.member, self.request.user),
        )
        return context
