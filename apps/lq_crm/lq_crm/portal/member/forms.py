"""Forms of the member portal. They check input and leave the rules to services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lq_crm.core.phones import InvalidPhoneError, normalise_phone
from lq_crm.doctype.event.models import Departure, Event
from lq_crm.doctype.member.models import Member
from lq_crm.notify.services import is_mobile
from lq_crm.portal.member.codes import CODE_DIGITS


def clean_mobile(text: str) -> str:
    """Return ``text`` as an E.164 mobile number, or raise ValidationError."""
    try:
        phone = normalise_phone(text)
    except InvalidPhoneError as error:
        raise forms.ValidationError(str(error)) from None
    if not is_mobile(phone):
        raise forms.ValidationError(
            gettext(
                "%(value)s is not a mobile number: codes are sent by SMS, so "
                "enter the 11-digit mobile number."
            )
            % {"value": text.strip()}
        )

    return phone


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"inputmode": "tel", "autocomplete": "tel", "autofocus": True}
        ),
    )

    def clean_phone(self) -> str:
        return clean_mobile(self.cleaned_data["phone"])


class NewPhoneForm(PhoneForm):
    """The mobile number a signed-in household switches to."""

    phone = forms.CharField(
        label=_("New mobile number"),
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )


class CodeForm(forms.Form):
    code = forms.RegexField(
        label=_("Code"),
        regex=rf"^\s*\d{{{CODE_DIGITS}}}\s*$",
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "autofocus": True,
                "maxlength": CODE_DIGITS,
            }
        ),
    )

    def clean_code(self) -> str:
        return str(self.cleaned_data["code"]).strip()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Formatted per request, so the message follows the page's language.
        self.fields["code"].error_messages["invalid"] = gettext(
            "Enter the %(digits)s digits of the code in the SMS."
        ) % {"digits": CODE_DIGITS}


class HouseholdChoiceForm(forms.Form):
    member = forms.TypedChoiceField(label=_("Household"), coerce=int)

    def __init__(self, *args: Any, households: list[Member], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = [  # type: ignore[attr-defined]
            (member.pk, f"{member.name} ({member.number}, {member.city})")
            for member in households
        ]


class RegistrationForm(forms.Form):
    persons = forms.MultipleChoiceField(
        label=_("Who will come"), widget=forms.CheckboxSelectMultiple
    )
    departure = forms.TypedChoiceField(
        label=_("Departure"), coerce=int, required=False, empty_value=None
    )
    waitlist_rest = forms.BooleanField(
        label=_("If too few seats remain, put us on the waiting list"),
        required=False,
    )

    def __init__(
        self,
        *args: Any,
        event: Event,
        persons: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["persons"].choices = persons  # type: ignore[attr-defined]
        departures = event.departures.all()
        self.departures = {departure.pk: departure for departure in departures}
        if len(self.departures) > 1:
            self.fields["departure"].choices = [  # type: ignore[attr-defined]
                ("", _("First with free seats")),
                *[(pk, departure.name) for pk, departure in self.departures.items()],
            ]
        else:
            del self.fields["departure"]

    def chosen_departure(self) -> Departure | None:
        departure_id = self.cleaned_data.get("departure")
        return self.departures.get(departure_id) if departure_id else None


class ContactForm(forms.ModelForm):
    class Meta:
        model = Member
        fields = ["address", "email"]


class ConsentForm(forms.Form):
    consent_marketing = forms.BooleanField(
        label=_("Send me bulletins, magazines and offers"), required=False
    )
