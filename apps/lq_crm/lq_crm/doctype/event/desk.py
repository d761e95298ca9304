"""The desk form that staff use to register a household for an event.

Step one finds the household, by card number or by a search of the user's
households, for an open event. Step two lists the household's persons and
the event's departures and registers through ``allocation.register``, the
same service as the API. Its hidden submission key makes a second submit of
the same form return the registration that the first one made.
"""

from __future__ import annotations

import uuid
from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unfold.widgets import (
    UnfoldAdminCheckboxSelectMultipleWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminTextareaWidget,
    UnfoldAdminTextInputWidget,
    UnfoldBooleanWidget,
)

from lq_crm.core.scoping import visible_to
from lq_crm.doctype.card.models import Card
from lq_crm.doctype.card.services import CardError
from lq_crm.doctype.event.allocation import PersonInput, register
from lq_crm.doctype.event.eligibility import RegistrationError
from lq_crm.doctype.event.fees import quote_fee
from lq_crm.doctype.event.lookups import find_event, find_household_card
from lq_crm.doctype.event.models import Departure, Event, Registration
from lq_crm.doctype.member.models import Member

User = AbstractBaseUser | AnonymousUser
TEMPLATE = "event/registration_add.html"


def open_events(user: User) -> QuerySet[Event]:
    """Return the events the user sees whose registration window is open now."""
    now = timezone.now()
    return visible_to(Event.objects.all(), user).filter(
        status=Event.Status.OPEN,
        registration_opens_at__lte=now,
        registration_closes_at__gt=now,
    )


def usable_card_of(member: Member) -> Card:
    for card in member.cards.all():
        if card.usable:
            return card
    raise CardError(
        _(
            "Household %(member)s has no usable card: issue a card or "
            "unblock its card first."
        )
        % {"member": member.number}
    )


def household_of(card: Card) -> Member:
    # The lookups above return only cards issued to a household.
    return cast(Member, card.member)


class FindHouseholdForm(forms.Form):
    """Step one: the event, and the household by card number or by search."""

    event = forms.ModelChoiceField(
        label=gettext_lazy("event"),
        queryset=Event.objects.none(),
        widget=UnfoldAdminSelectWidget,
    )
    card_number = forms.CharField(
        label=gettext_lazy("card number"),
        max_length=32,
        required=False,
        widget=UnfoldAdminTextInputWidget,
        help_text=gettext_lazy("Type or scan the number printed on the card."),
    )
    member = forms.ModelChoiceField(
        label=gettext_lazy("or find the household"),
        queryset=Member.objects.none(),
        required=False,
        help_text=gettext_lazy("Search by name, phone or card number."),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        event_field = cast(forms.ModelChoiceField, self.fields["event"])
        event_field.queryset = open_events(user)
        member_field = cast(forms.ModelChoiceField, self.fields["member"])
        member_field.widget = AutocompleteSelect(
            Registration._meta.get_field("member"),
            admin.site,
            attrs={"class": "unfold-admin-autocomplete admin-autocomplete"},
        )
        # Assigning the queryset after the widget sets the widget's choices.
        member_field.queryset = visible_to(Member.objects.all(), user)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        number = (cleaned.get("card_number") or "").strip()
        member = cleaned.get("member")
        if bool(number) == bool(member):
            raise forms.ValidationError(
                _("Enter a card number or choose a household, but not both.")
            )

        try:
            if member is not None:
                cleaned["card"] = usable_card_of(member)
            else:
                cleaned["card"] = find_household_card(number, self.user)
        except CardError as error:
            raise forms.ValidationError(str(error)) from None
        return cleaned


class DepartureChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Departure) -> str:
        return _("%(name)s (%(left)s seats left)") % {
            "name": obj.name,
            "left": obj.seats_left,
        }


class RegisterForm(forms.Form):
    """Step two: who comes, on which departure, and what to do when seats run short."""

    event = forms.IntegerField(widget=forms.HiddenInput)
    card_number = forms.CharField(max_length=32, widget=forms.HiddenInput)
    submission_key = forms.CharField(max_length=64, widget=forms.HiddenInput)
    persons = forms.MultipleChoiceField(
        label=gettext_lazy("household persons who come"),
        required=False,
        widget=UnfoldAdminCheckboxSelectMultipleWidget,
    )
    other_names = forms.CharField(
        label=gettext_lazy("other persons"),
        required=False,
        widget=UnfoldAdminTextareaWidget(attrs={"rows": 2}),
        help_text=gettext_lazy("Persons not on file: one name a line."),
    )
    departure = DepartureChoiceField(
        label=gettext_lazy("departure"),
        queryset=Departure.objects.none(),
        required=False,
        empty_label=gettext_lazy("The first departure with enough seats"),
        widget=UnfoldAdminSelectWidget,
    )
    waitlist_rest = forms.BooleanField(
        label=gettext_lazy("Put on the waiting list if seats run short"),
        required=False,
        widget=UnfoldBooleanWidget,
        help_text=gettext_lazy(
            "When fewer seats remain than persons, the whole registration "
            "waits for seats instead of being rejected."
        ),
    )
    note = forms.CharField(
        label=gettext_lazy("note"),
        max_length=200,
        required=False,
        widget=UnfoldAdminTextInputWidget,
    )

    def __init__(self, *args: Any, event: Event, member: Member, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        persons_field = cast(forms.MultipleChoiceField, self.fields["persons"])
        persons_field.choices = [
            (str(person.pk), person.name) for person in member.persons.all()
        ]
        departure_field = cast(forms.ModelChoiceField, self.fields["departure"])
        departure_field.queryset = event.departures.all()

    def person_inputs(self, member: Member) -> list[PersonInput]:
        """Return the ticked household persons, then the other names."""
        chosen = {str(pk) for pk in self.cleaned_data["persons"]}
        inputs = [
            PersonInput(person=person)
            for person in member.persons.all()
            if str(person.pk) in chosen
        ]
        names = self.cleaned_data["other_names"].splitlines()
        inputs += [PersonInput(name=name.strip()) for name in names if name.strip()]
        return inputs


def registration_add_view(model_admin: Any, request: HttpRequest) -> HttpResponse:
    """Show step one, or step two once the household is known, or register."""
    user = request.user
    if request.method == "POST" and request.POST.get("step") == "register":
        return register_step(model_admin, request)

    find_form = FindHouseholdForm(
        request.POST if request.method == "POST" else None, user=user
    )
    if request.method != "POST" or not find_form.is_valid():
        return render_step(model_admin, request, {"find_form": find_form})

    event = find_form.cleaned_data["event"]
    card = find_form.cleaned_data["card"]
    form = RegisterForm(
        initial={
            "event": event.pk,
            "card_number": card.card_number,
            "submission_key": uuid.uuid4().hex,
        },
        event=event,
        member=household_of(card),
    )
    return render_register(model_admin, request, form, event, card)


def register_step(model_admin: Any, request: HttpRequest) -> HttpResponse:
    """Register from a submitted step two, or show it again with the reason."""
    event_id = request.POST.get("event", "")
    try:
        event = find_event(int(event_id) if event_id.isdigit() else 0, request.user)
        card = find_household_card(request.POST.get("card_number", ""), request.user)
    except (RegistrationError, CardError) as error:
        # Step two's hidden fields name what step one found, so a failure
        # here means the event closed or the card changed in between.
        model_admin.message_user(request, str(error), messages.ERROR)
        return HttpResponseRedirect(request.path)

    member = household_of(card)
    form = RegisterForm(request.POST, event=event, member=member)
    if not form.is_valid():
        return render_register(model_admin, request, form, event, card)

    data = form.cleaned_data
    try:
        registration = register(
            event,
            card,
            form.person_inputs(member),
            departure=data["departure"],
            user=request.user,
            waitlist_rest=data["waitlist_rest"],
            note=data["note"],
            submission_key=data["submission_key"],
        )
    except RegistrationError as error:
        form.add_error(None, str(error))
        return render_register(model_admin, request, form, event, card)

    model_admin.message_user(request, outcome_message(registration), messages.SUCCESS)
    return HttpResponseRedirect(
        reverse("admin:event_registration_change", args=[registration.pk])
    )


def outcome_message(registration: Registration) -> str:
    values = {
        "number": registration.number,
        "status": registration.get_status_display(),
        "fee": registration.fee_due,
    }
    if registration.status == Registration.Status.WAITLISTED:
        values["position"] = registration.waitlist_position
        return (
            _(
                "%(number)s registered: %(status)s at position %(position)s, "
                "fee due ¥%(fee)s."
            )
            % values
        )
    return _("%(number)s registered: %(status)s, fee due ¥%(fee)s.") % values


def render_register(
    model_admin: Any,
    request: HttpRequest,
    form: RegisterForm,
    event: Event,
    card: Card,
) -> HttpResponse:
    member = household_of(card)
    return render_step(
        model_admin,
        request,
        {
            "form": form,
            "event": event,
            "card": card,
            "member": member,
            "fee": quote_fee(event, member, 1),
        },
    )


def render_step(
    model_admin: Any, request: HttpRequest, context: dict[str, Any]
) -> HttpResponse:
    page: dict[str, Any] = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": _("Register a household"),
        **context,
    }
    return TemplateResponse(request, TEMPLATE, page)
