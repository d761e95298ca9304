"""The club's paper sign-up form as the portal shows it, for the keying service."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from lq_crm.doctype.card.models import Card
from lq_crm.doctype.member.models import Gender, Member
from lq_crm.doctype.product.models import Product, ProductCategory
from lq_crm.doctype.region.models import Region
from lq_crm.doctype.slip.models import PurchaseSlip
from lq_crm.doctype.store.models import Store
from lq_crm.keying.paper import (
    PAPER_ACTIVITIES,
    PaperForm,
    PaperLine,
    paper_form_from,
)
from lq_crm.portal.office.forms import AMOUNT_ATTRS, MAX_LINES, CardNumberField

# The choice that creates a new household although similar ones are on file.
NEW_HOUSEHOLD = "new"

ADMISSION_BASES = [
    (Card.AdmissionBasis.QUALIFYING_SLIP, _("This purchase reaches the amount")),
    (Card.AdmissionBasis.TRIP_PHOTO, Card.AdmissionBasis.TRIP_PHOTO.label),
    (Card.AdmissionBasis.PRODUCT_BOX, Card.AdmissionBasis.PRODUCT_BOX.label),
]


class PaperLineForm(forms.Form):
    """A line of "products bought"; the keying service checks what is missing."""

    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=ProductCategory.objects.all(),
        required=False,
        empty_label=_("(choose a category)"),
    )
    product = forms.ModelChoiceField(
        label=_("Product"),
        queryset=Product.objects.filter(active=True).select_related("category"),
        required=False,
        empty_label=_("(any product)"),
    )
    amount = forms.DecimalField(
        label=_("Amount (yuan)"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0"),
        required=False,
        widget=forms.NumberInput(attrs=AMOUNT_ATTRS),
    )

    def paper_line(self) -> PaperLine:
        data = self.cleaned_data
        return PaperLine(
            category=data["category"], product=data["product"], amount=data["amount"]
        )


class BasePaperLineFormSet(forms.BaseFormSet):
    def paper_lines(self) -> list[PaperLine]:
        return [
            form.paper_line()
            for form in self.forms
            if form.has_changed() and form.cleaned_data
        ]


PaperLineFormSet: type[BasePaperLineFormSet] = forms.formset_factory(  # type: ignore[assignment]
    PaperLineForm,
    formset=BasePaperLineFormSet,
    extra=3,
    max_num=MAX_LINES,
    validate_max=True,
)


class SignUpForm(forms.Form):
    """The fields of the club's paper sign-up form, the card and its basis.

    The field names are those of ``keying.paper.PaperForm``, so that the
    keying service's errors land beside the fields they are about.
    """

    token = forms.CharField(widget=forms.HiddenInput, max_length=64)
    name = forms.CharField(label=_("Name"), max_length=64)
    gender = forms.ChoiceField(
        label=_("Gender"),
        choices=Gender.choices,
        initial=Gender.UNKNOWN,
        widget=forms.RadioSelect,
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    district = forms.ModelChoiceField(
        label=_("District"),
        queryset=Region.objects.none(),
        required=False,
        empty_label=_("(not given)"),
    )
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    occupation = forms.CharField(label=_("Occupation"), max_length=64, required=False)
    age_or_birth_year = forms.CharField(
        label=_("Age or birth year"),
        max_length=8,
        required=False,
        help_text=_("Such as 45 or 1980, as written on the form."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    signup_activity = forms.ChoiceField(
        label=_("Sign-up activity"),
        choices=[
            (value, label)
            for value, label in Member.SignupActivity.choices
            if value in PAPER_ACTIVITIES
        ],
    )
    store = forms.ModelChoiceField(
        label=_("Store"),
        queryset=Store.objects.none(),
        required=False,
        empty_label=_("(not at a store)"),
        help_text=_("The store of the sign-up and of the first purchase."),
    )
    venue = forms.CharField(
        label=_("Venue"),
        max_length=100,
        required=False,
        help_text=_("The community, campus or trip where the form was filled in."),
    )
    consent = forms.BooleanField(
        label=_("The household signed the consent to the club's use of its data"),
        required=False,
    )
    consent_marketing = forms.BooleanField(
        label=_("The household agrees to receive bulletins and offers"),
        required=False,
    )
    card_number = CardNumberField(help_text=_("The new card handed to the household."))
    admission_basis = forms.ChoiceField(
        label=_("Admitted by"), choices=ADMISSION_BASES, widget=forms.RadioSelect
    )
    admission_note = forms.CharField(
        label=_("Admission note"),
        max_length=200,
        required=False,
        help_text=_("Which photo or product box the household showed."),
    )
    amount = forms.DecimalField(
        label=_("Amount (yuan)"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0"),
        required=False,
        help_text=_("The total written on the form; the lines must add up to it."),
        widget=forms.NumberInput(attrs=AMOUNT_ATTRS),
    )
    receipt_number = forms.CharField(
        label=_("Receipt number"), max_length=64, required=False
    )
    household = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        stores: QuerySet[Store],
        districts: QuerySet[Region],
        households: QuerySet[Member],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["store"].queryset = stores  # type: ignore[attr-defined]
        self.fields["district"].queryset = districts  # type: ignore[attr-defined]
        self.households = households

    def clean_household(self) -> Member | str | None:
        """Return the household chosen among the similar ones, NEW_HOUSEHOLD or None.

        Only a household of the user's city can be chosen; any other id
        reads as not found.
        """
        value = self.cleaned_data["household"].strip()
        if not value:
            return None
        if value == NEW_HOUSEHOLD:
            return NEW_HOUSEHOLD
        household = (
            self.households.filter(pk=value).first() if value.isdigit() else None
        )
        if household is None:
            raise ValidationError(
                _("Household %(id)s was not found: choose one of the list.")
                % {"id": value}
            )
        return household

    def paper_form(self, city: Region, lines: list[PaperLine]) -> PaperForm:
        household = self.cleaned_data["household"]
        return paper_form_from(
            self.cleaned_data,
            city=city,
            lines=lines,
            household=household if isinstance(household, Member) else None,
            create_new=household == NEW_HOUSEHOLD,
            source=PurchaseSlip.Source.PORTAL,
        )
