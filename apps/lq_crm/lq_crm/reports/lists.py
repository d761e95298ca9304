"""The households and slips behind a figure, selected from drill-down parameters."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lq_crm.core.scoping import visible_to
from lq_crm.doctype.card.models import Card
from lq_crm.doctype.member.models import Member
from lq_crm.doctype.slip.models import PurchaseSlip
from lq_crm.reports.figures.common import member_condition
from lq_crm.reports.figures.segments import (
    NEVER_BOUGHT,
    SEGMENTS,
    SegmentRules,
    segment_members,
)
from lq_crm.reports.filters import MONTH_FORMAT, ReportFilters
from lq_crm.reports.models import HouseholdCategoryMonth, HouseholdMonth
from lq_crm.reports.periods import last_day, month_span, month_start

SEGMENT_CHOICES = {*SEGMENTS, NEVER_BOUGHT, "drifting"}


class SegmentRulesForm(forms.Form):
    recent_months = forms.IntegerField(
        label=gettext_lazy("Recent: bought within (months)"),
        min_value=1,
        max_value=60,
        required=False,
    )
    drift_months = forms.IntegerField(
        label=gettext_lazy("Drifting away: no purchase for (months)"),
        min_value=1,
        max_value=120,
        required=False,
    )
    frequent_slips = forms.IntegerField(
        label=gettext_lazy("Frequent: slips in the period"), min_value=1, required=False
    )
    regular_slips = forms.IntegerField(
        label=gettext_lazy("Regular: slips in the period"), min_value=1, required=False
    )
    high_spend = forms.DecimalField(
        label=gettext_lazy("High spend in the period (yuan)"),
        min_value=0,
        decimal_places=2,
        required=False,
    )
    medium_spend = forms.DecimalField(
        label=gettext_lazy("Medium spend in the period (yuan)"),
        min_value=0,
        decimal_places=2,
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        defaults = SegmentRules()
        for name, field in self.fields.items():
            field.widget.attrs["placeholder"] = str(getattr(defaults, name))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        rules = rules_from(cleaned)
        if rules.recent_months >= rules.drift_months:
            raise ValidationError(
                _(
                    "Recent months (%(recent)d) must be fewer than drifting "
                    "months (%(drift)d)."
                )
                % {"recent": rules.recent_months, "drift": rules.drift_months}
            )
        if rules.regular_slips > rules.frequent_slips:
            raise ValidationError(_("Regular slips must not exceed frequent slips."))
        if rules.medium_spend > rules.high_spend:
            raise ValidationError(_("Medium spend must not exceed high spend."))
        return cleaned

    def rules(self) -> SegmentRules:
        return rules_from(
            self.cleaned_data if self.is_bound and self.is_valid() else {}
        )

    def params(self) -> dict[str, Any]:
        """Return the rules that differ from the defaults, for drill-down links."""
        if not (self.is_bound and self.is_valid()):
            return {}
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if value is not None
        }


def rules_from(data: dict[str, Any]) -> SegmentRules:
    defaults = SegmentRules()
    values: dict[str, Any] = {
        name: data.get(name) if data.get(name) is not None else getattr(defaults, name)
        for name in SegmentRules.__dataclass_fields__
    }
    return SegmentRules(**values)


def parse_month(value: str, name: str) -> date:
    try:
        return month_start(datetime.strptime(value, MONTH_FORMAT).date())
    except ValueError:
        raise ValidationError(
            _("%(name)s %(value)r is not a month such as 2026-03.")
            % {"name": name, "value": value}
        ) from None


def parse_categories(value: str) -> set[int]:
    parts = value.split("-")
    if not all(part.isdigit() for part in parts):
        raise ValidationError(
            _("categories %(value)r is not a list of category ids such as 1-3.")
            % {"value": value}
        )
    return {int(part) for part in parts}


def household_list(
    filters: ReportFilters, params: QueryDict, rules: SegmentRules, user: Any
) -> QuerySet[Member]:
    """Select the households a figure counted, limited to the user's cities.

    Raise ValidationError for a parameter that cannot be read.
    """
    members = Member.objects.unmerged().filter(member_condition(filters))
    if joined_month := params.get("joined_month"):
        month = parse_month(joined_month, "joined_month")
        members = members.filter(joined_on__gte=month, joined_on__lte=last_day(month))
    if params.get("joined") == "1":
        members = members.filter(
            joined_on__gte=filters.first_month,
            joined_on__lte=last_day(filters.last_month),
        )
    if params.get("bought") == "1":
        members = members.filter(
            pk__in=HouseholdMonth.objects.filter(slips__gt=0).values("member_id")
        )
    if card_month := params.get("card_month"):
        start, end = month_span(parse_month(card_month, "card_month"))
        cards = Card.objects.filter(issued_at__gte=start, issued_at__lt=end)
        members = members.filter(pk__in=cards.values("member_id"))
    if categories := params.get("categories"):
        members = members.filter(
            pk__in=households_buying_exactly(filters, parse_categories(categories))
        )
    if segment := params.get("segment"):
        if segment not in SEGMENT_CHOICES:
            raise ValidationError(
                _("Segment %(value)r is unknown.") % {"value": segment}
            )
        members = members.filter(
            pk__in=segment_members(filters, rules, segment).values("pk")
        )
    return visible_to(members, user).order_by("pk")


def households_buying_exactly(
    filters: ReportFilters, categories: set[int]
) -> list[int]:
    """Return the households whose categories bought in the period are exactly these."""
    rows = (
        HouseholdCategoryMonth.objects.filter(
            month__gte=filters.first_month,
            month__lte=filters.last_month,
            slip_lines__gt=0,
        )
        .values_list("member_id", "category_id")
        .distinct()
        .order_by()
    )
    bought: dict[int, set[int]] = {}
    for member_id, category_id in rows.iterator(chunk_size=5000):
        bought.setdefault(member_id, set()).add(category_id)
    return [member_id for member_id, found in bought.items() if found == categories]


def slip_list(
    filters: ReportFilters, params: QueryDict, user: Any
) -> QuerySet[PurchaseSlip]:
    """Select the submitted slips a sales figure counted, in the user's cities."""
    start, end = month_span(filters.first_month)[0], month_span(filters.last_month)[1]
    slips = PurchaseSlip.objects.filter(
        status=PurchaseSlip.Status.SUBMITTED,
        purchased_at__gte=start,
        purchased_at__lt=end,
    )
    if filters.city_ids is not None:
        slips = slips.filter(store__city_id__in=filters.city_ids)
    if filters.store_id:
        slips = slips.filter(store_id=filters.store_id)
    if filters.activity:
        slips = slips.filter(member__signup_activity=filters.activity)
    if filters.tier_id:
        slips = slips.filter(member__tier_id=filters.tier_id)
    if category := params.get("category"):
        if not category.isdigit():
            raise ValidationError(
                _("category %(value)r is not a category id.") % {"value": category}
            )
        slips = slips.filter(
            pk__in=PurchaseSlip.objects.filter(lines__category_id=int(category)).values(
                "pk"
            )
        )
    return visible_to(slips, user).order_by("-purchased_at", "-pk")
