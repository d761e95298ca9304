"""The keying screen's form, laid out like the club's paper sign-up form.

Every field is optional at this level, because ``key_paper_form`` decides
what is missing and writes each message with what to fix, so that all
messages come from one place. Fields are declared in the order the club's form prints
them, which is also the order in which Enter moves through the screen.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from unfold.widgets import (
    UnfoldAdminSelectWidget,
    UnfoldAdminTextInputWidget,
    UnfoldBooleanWidget,
)

from lq_crm.core.scoping import User, visible_to
from lq_crm.doctype.card.models import Card
from lq_crm.doctype.card.services import ISSUE_BASES
from lq_crm.doctype.member.models import Gender, Member
from lq_crm.doctype.product.models import Product, ProductCategory
from lq_crm.doctype.region.models import Region
from lq_crm.doctype.store.models import Store
from lq_crm.keying.paper import (
    PAPER_ACTIVITIES,
    PaperForm,
    PaperLine,
    paper_form_from,
)

NEW_HOUSEHOLD = "new"
AMOUNT_MESSAGE = _("Enter the amount in yuan, such as 268 or 268.50.")


def text_input(**attrs: Any) -> UnfoldAdminTextInputWidget:
    return UnfoldAdminTextInputWidget(attrs={"autocomplete": "off", **attrs})


def amount_field() -> forms.DecimalField:
    return forms.DecimalField(
        label=_("amount (yuan)"),
        required=False,
        min_value=Decimal("0"),
        max_digits=12,
        decimal_places=2,
        error_messages={"invalid": AMOUNT_MESSAGE},
        widget=text_input(inputmode="decimal"),
    )


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class PaperFormForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)
    name = forms.CharField(
        label=pgettext_lazy("person", "name"),
        required=False,
        max_length=64,
        widget=text_input(),
    )
    gender = forms.ChoiceField(
        label=_("gender"),
        choices=Gender.choices,
        initial=Gender.UNKNOWN,
        widget=UnfoldAdminSelectWidget,
    )
    address = forms.CharField(
        label=_("address"), required=False, max_length=200, widget=text_input()
    )
    city = RegionChoiceField(
        label=_("city"),
        queryset=Region.objects.none(),
        required=False,
        widget=UnfoldAdminSelectWidget,
    )
    district = RegionChoiceField(
        label=_("district"),
        queryset=Region.objects.none(),
        required=False,
        widget=UnfoldAdminSelectWidget,
    )
    # "proposal" while the city is the one proposed from the address, which
    # later typing may replace; "clerk" once the clerk chose it by hand.
    city_source = forms.CharField(widget=forms.HiddenInput, required=False)
    phone = forms.CharField(
        label=_("phone"),
        required=False,
        max_length=32,
        widget=text_input(inputmode="tel"),
    )
    occupation = forms.CharField(
        label=_("occupation"), required=False, max_length=64, widget=text_input()
    )
    age_or_birth_year = forms.CharField(
        label=_("age or birth year"),
        required=False,
        max_length=10,
        widget=text_input(inputmode="numeric"),
        help_text=_("Either one, such as 45 or 1980."),
    )
    amount = amount_field()
    receipt_number = forms.CharField(
        label=_("receipt number"),
        required=False,
        max_length=64,
        widget=text_input(),
        help_text=_("Only when a store receipt is attached to the form."),
    )
    card_number = forms.CharField(
        label=_("card number"),
        required=False,
        max_length=40,
        widget=text_input(inputmode="numeric"),
    )
    admission_basis = forms.ChoiceField(
        label=_("admission basis"),
        choices=[
            (value, label)
            for value, label in Card.AdmissionBasis.choices
            if value in ISSUE_BASES
        ],
        initial=Card.AdmissionBasis.QUALIFYING_SLIP,
        widget=UnfoldAdminSelectWidget,
    )
    admission_note = forms.CharField(
        label=_("admission note"),
        required=False,
        max_length=200,
        widget=text_input(),
        help_text=_("What the household showed: the trip photo or the product box."),
    )
    signup_activity = forms.ChoiceField(
        label=_("sign-up activity"),
        choices=[
            (value, label)
            for value, label in Member.SignupActivity.choices
            if value in PAPER_ACTIVITIES
        ],
        initial=Member.SignupActivity.STORE,
        widget=UnfoldAdminSelectWidget,
    )
    store = forms.ModelChoiceField(
        label=_("store"),
        queryset=Store.objects.none(),
        required=False,
        widget=UnfoldAdminSelectWidget,
    )
    venue = forms.CharField(
        label=_("venue"),
        required=False,
        max_length=100,
        widget=text_input(),
        help_text=_("The community, campus or trip where the form was filled in."),
    )
    form_date = forms.DateField(
        label=_("date on the form"),
        required=False,
        widget=text_input(placeholder="2026-05-01"),
        error_messages={"invalid": _("Enter the date as year-month-day.")},
    )
    consent = forms.BooleanField(
        label=_("consent given on the paper form"),
        required=False,
        widget=UnfoldBooleanWidget,
    )
    consent_marketing = forms.BooleanField(
        label=_("consents to marketing messages"),
        required=False,
        widget=UnfoldBooleanWidget,
    )
    household = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial", {"token": uuid.uuid4().hex, "form_date": timezone.localdate()}
        )
        super().__init__(*args, **kwargs)
        self.user = user
        regions = visible_to(Region.objects.select_related("parent"), user)
        self.fields["city"].queryset = regions.cities()  # type: ignore[attr-defined]
        self.fields["district"].queryset = regions.districts()  # type: ignore[attr-defined]
        self.fields["store"].queryset = visible_to(  # type: ignore[attr-defined]
            Store.objects.filter(active=True), user
        )
        if "city" not in self.initial:
            self.initial["city"] = self.only_city()

    def only_city(self) -> Region | None:
        """Return the user's city when the user works on exactly one."""
        cities = list(self.fields["city"].queryset[:2])  # type: ignore[attr-defined]
        return cities[0] if len(cities) == 1 else None

    def chosen_household(self) -> Member | None:
        """Return the household the clerk chose to update; the service checks scope."""
        value = self.cleaned_data.get("household") or ""
        if not value.isdigit():
            return None

        return Member.objects.filter(pk=int(value)).first()

    def to_paper(self, lines: list[PaperLine]) -> PaperForm:
        return paper_form_from(
            self.cleaned_data,
            lines=lines,
            household=self.chosen_household(),
            create_new=self.cleaned_data["household"] == NEW_HOUSEHOLD,
        )


class LineForm(forms.Form):
    """One line of "products bought"; a blank line is ignored."""

    category = forms.ModelChoiceField(
        label=_("category"),
        queryset=ProductCategory.objects.all(),
        required=False,
        widget=UnfoldAdminSelectWidget,
    )
    # TODO: one select of every active product suits a catalogue of a few
    # hundred products; a larger one needs a search-as-you-type widget.
    product = forms.ModelChoiceField(
        label=_("product"),
        queryset=Product.objects.filter(active=True).select_related("category"),
        required=False,
        widget=UnfoldAdminSelectWidget,
    )
    amount = amount_field()

    def to_line(self) -> PaperLine:
        data = self.cleaned_data
        return PaperLine(
            category=data.get("category"),
            product=data.get("product"),
            amount=data.get("amount"),
        )


LineFormSet = forms.formset_factory(LineForm, extra=1, max_num=20, validate_max=True)
