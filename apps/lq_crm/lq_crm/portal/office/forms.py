"""Forms of the office portal; choices come from the current city's rows."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from lq_crm.doctype.event.models import Departure, Event
from lq_crm.doctype.product.models import Product, ProductCategory
from lq_crm.doctype.region.models import Region
from lq_crm.doctype.slip.services import LineInput
from lq_crm.doctype.store.models import Store

MAX_LINES = 20

CARD_NUMBER_ATTRS = {
    "inputmode": "numeric",
    "autocomplete": "off",
    "autocapitalize": "off",
    "spellcheck": "false",
    "class": "card-number",
}
AMOUNT_ATTRS = {"inputmode": "decimal", "autocomplete": "off", "step": "0.01"}


class CityForm(forms.Form):
    city = forms.ModelChoiceField(
        label=_("City"), queryset=Region.objects.none(), empty_label=None
    )

    def __init__(self, *args: Any, cities: QuerySet[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["city"].queryset = cities  # type: ignore[attr-defined]


class CardNumberField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Card number"))
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault("widget", forms.TextInput(attrs=CARD_NUMBER_ATTRS))
        super().__init__(**kwargs)


# Slip lines -------------------------------------------------------------------


class LineForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=ProductCategory.objects.all(),
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
        widget=forms.NumberInput(attrs=AMOUNT_ATTRS),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        product = data.get("product")
        category = data.get("category")
        if product is None or category is None:
            return data

        if product.category_id != category.pk:
            raise ValidationError(
                _("%(product)s belongs to category %(category)s: pick that one.")
                % {"product": product.name, "category": product.category.name}
            )
        return data

    def line(self) -> LineInput:
        data = self.cleaned_data
        return LineInput(
            category=data["category"], amount=data["amount"], product=data["product"]
        )


class BaseLineFormSet(forms.BaseFormSet):
    """Slip lines; rows left blank are ignored, but one line is needed."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        if not self.lines():
            raise ValidationError(_("Enter at least one line: a category and amount."))

    def lines(self) -> list[LineInput]:
        return [
            form.line()
            for form in self.forms
            if form.has_changed() and form.cleaned_data
        ]


LineFormSet: type[BaseLineFormSet] = forms.formset_factory(  # type: ignore[assignment]
    LineForm,
    formset=BaseLineFormSet,
    extra=3,
    max_num=MAX_LINES,
    validate_max=True,
)


# Slip entry -------------------------------------------------------------------


class SlipForm(forms.Form):
    card_number = CardNumberField()
    store = forms.ModelChoiceField(label=_("Store"), queryset=Store.objects.none())
    receipt_number = forms.CharField(
        label=_("Receipt number"),
        max_length=64,
        help_text=_("Copy it from the store's receipt; one receipt is one slip."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args: Any, stores: QuerySet[Store], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["store"].queryset = stores  # type: ignore[attr-defined]


# Events -----------------------------------------------------------------------


class RegistrationForm(forms.Form):
    event = forms.ModelChoiceField(label=_("Event"), queryset=Event.objects.none())
    card_number = CardNumberField()
    persons = forms.CharField(
        label=_("Persons who come"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One name per line; leave empty to register the household's name."),
    )
    departure = forms.ModelChoiceField(
        label=_("Departure"),
        queryset=Departure.objects.none(),
        required=False,
        empty_label=_("(first with seats)"),
    )
    waitlist_rest = forms.BooleanField(
        label=_("Put on the waiting list when the seats do not suffice"),
        required=False,
    )

    def __init__(self, *args: Any, events: QuerySet[Event], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["event"].queryset = events  # type: ignore[attr-defined]
        departures = Departure.objects.filter(event__in=events).select_related("event")
        self.fields["departure"].queryset = departures  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        event, departure = data.get("event"), data.get("departure")
        if (
            departure is not None
            and event is not None
            and departure.event_id != event.pk
        ):
            self.add_error(
                "departure",
                _("Departure %(departure)s belongs to another event.")
                % {"departure": departure.name},
            )
        return data


class CheckInForm(forms.Form):
    card_number = CardNumberField()


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=64)
