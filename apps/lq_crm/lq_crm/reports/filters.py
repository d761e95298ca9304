"""The filters every report page takes, limited to the user's cities."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lq_crm.access.scope import allowed_city_ids
from lq_crm.core.scoping import visible_to
from lq_crm.doctype.member.models import Member
from lq_crm.doctype.region.models import Region
from lq_crm.doctype.store.models import Store
from lq_crm.doctype.tier.models import Tier
from lq_crm.reports.periods import month_start, months_between, previous_month

# The period shown when the request names none: this month and the 11 before.
DEFAULT_MONTHS = 12
MONTH_FORMAT = "%Y-%m"


@dataclass(frozen=True)
class ReportFilters:
    """The cities, months and household attributes that a report counts.

    ``city_ids`` is None for every city. ``store_id`` is the sign-up store for
    sign-up figures and the store of the purchase for sales figures.
    """

    city_ids: frozenset[int] | None
    first_month: date
    last_month: date
    tier_id: int | None = None
    activity: str = ""
    store_id: int | None = None

    @property
    def months(self) -> list[date]:
        return months_between(self.first_month, self.last_month)

    def for_city(self, city_id: int) -> ReportFilters:
        return replace(self, city_ids=frozenset({city_id}))

    def for_month(self, month: date) -> ReportFilters:
        return replace(self, first_month=month, last_month=month)


class MonthField(forms.DateField):
    """A month typed as ``2026-03``, cleaned to the month's first day."""

    input_formats = [MONTH_FORMAT]
    widget = forms.DateInput(attrs={"type": "month"}, format=MONTH_FORMAT)

    def to_python(self, value: Any) -> date | None:
        day = super().to_python(value)
        return month_start(day) if day else None


class ReportFilterForm(forms.Form):
    city = forms.ModelChoiceField(
        label=_("City"), queryset=Region.objects.cities(), required=False
    )
    first_month = MonthField(label=_("From month"), required=False)
    last_month = MonthField(label=_("To month"), required=False)
    tier = forms.ModelChoiceField(
        label=_("Tier"),
        queryset=Tier.objects.all(),
        required=False,
        help_text=_("Households now in this tier."),
    )
    activity = forms.ChoiceField(
        label=_("Sign-up activity"),
        choices=[("", _("All activities")), *Member.SignupActivity.choices],
        required=False,
    )
    store = forms.ModelChoiceField(
        label=_("Store"),
        queryset=Store.objects.all(),
        required=False,
        help_text=_(
            "The sign-up store for household figures, the store of the "
            "purchase for sales figures."
        ),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        city_field: Any = self.fields["city"]
        city_field.queryset = visible_to(Region.objects.cities(), user)
        store_field: Any = self.fields["store"]
        store_field.queryset = visible_to(Store.objects.all(), user)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, last = cleaned.get("first_month"), cleaned.get("last_month")
        if first and last and first > last:
            raise forms.ValidationError(
                _("The first month %(first)s is after the last month %(last)s.")
                % {"first": f"{first:%Y-%m}", "last": f"{last:%Y-%m}"}
            )
        return cleaned

    def report_filters(self) -> ReportFilters:
        """Return the cleaned filters; call after ``is_valid()``."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        last = data.get("last_month") or month_start(timezone.localdate())
        first = data.get("first_month") or default_first_month(last)
        city = data.get("city")
        tier = data.get("tier")
        store = data.get("store")
        return ReportFilters(
            city_ids=scoped_city_ids(self.user, city.pk if city else None),
            first_month=first,
            last_month=last,
            tier_id=tier.pk if tier else None,
            activity=data.get("activity") or "",
            store_id=store.pk if store else None,
        )


def default_first_month(last: date) -> date:
    month = last
    for _step in range(DEFAULT_MONTHS - 1):
        month = previous_month(month)
    return month


def scoped_city_ids(user: Any, city_id: int | None) -> frozenset[int] | None:
    """Return the cities a report may count for ``user``, narrowed to ``city_id``.

    Raise PermissionDenied for a city outside the user's cities; the filter
    form offers only the user's cities, so only a hand-made URL gets here.
    """
    allowed = allowed_city_ids(user)
    if city_id is None:
        return None if allowed is None else frozenset(allowed)
    if allowed is not None and city_id not in allowed:
        raise PermissionDenied(_("This city is outside your cities."))
    return frozenset({city_id})


def filters_from_request(
    data: QueryDict, user: Any
) -> tuple[ReportFilterForm, ReportFilters]:
    """Bind the filter form to the query string and return it with its filters.

    A city outside the user's cities is rejected with PermissionDenied before
    the form would silently drop it as an invalid choice.
    """
    requested_city = data.get("city", "")
    if requested_city.isdigit():
        scoped_city_ids(user, int(requested_city))

    form = ReportFilterForm(data or None, user=user)
    return form, form.report_filters()
