from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from unfold.admin import TabularInline

from lq_crm.core.admin import (
    CityScopedAdminMixin,
    DocumentAdmin,
    PersonalDataAdminMixin,
)
from lq_crm.core.phones import InvalidPhoneError, normalise_phone
from lq_crm.doctype.member.models import HouseholdPerson, Member, MemberQuerySet
from lq_crm.doctype.member.records import (
    HouseholdRecords,
    collect_records,
    describe_card,
)
from lq_crm.doctype.member.search import household_search
from lq_crm.doctype.points.services import balance


class NormalisedPhoneFormMixin:
    """Store the ``phone`` field in E.164 form, whatever way it was typed."""

    cleaned_data: dict[str, Any]

    def clean_phone(self) -> str:
        text = self.cleaned_data.get("phone") or ""
        if not text.strip():
            return ""

        try:
            return normalise_phone(text)
        except InvalidPhoneError as error:
            raise ValidationError(str(error), code="invalid_phone") from None


class MemberForm(NormalisedPhoneFormMixin, forms.ModelForm):
    class Meta:
        model = Member
        fields = [
            "name",
            "gender",
            "birth_year",
            "occupation",
            "phone",
            "email",
            "city",
            "district",
            "address",
            "signup_activity",
            "signup_store",
            "signup_venue",
            "joined_on",
            "consent_given_at",
            "consent_method",
            "consent_marketing",
            "legacy_source",
            "legacy_id",
        ]


class HouseholdPersonForm(NormalisedPhoneFormMixin, forms.ModelForm):
    class Meta:
        model = HouseholdPerson
        fields = ["name", "relation", "gender", "birth_year", "phone"]


class HouseholdPersonInline(
    CityScopedAdminMixin, PersonalDataAdminMixin, TabularInline
):
    model = HouseholdPerson
    form = HouseholdPersonForm
    fields = ["name", "relation", "gender", "birth_year", "phone"]
    extra = 0


@admin.register(Member)
class MemberAdmin(CityScopedAdminMixin, PersonalDataAdminMixin, DocumentAdmin):
    form = MemberForm
    inlines = [HouseholdPersonInline]
    list_display = [
        "number_display",
        "name",
        "masked_phone",
        "city",
        "tier",
        "qualifying_spend",
        "points_display",
    ]
    list_display_links = ["number_display", "name"]
    list_filter = [
        ("city", admin.RelatedOnlyFieldListFilter),
        "tier",
        "signup_activity",
    ]
    list_select_related = ["city", "district", "tier"]
    # get_search_results matches names, cards, numbers and phones itself. The
    # list is not empty because the desk shows the search box only then.
    search_fields = ["name"]
    search_help_text = _(
        "Search by the name of anyone in the household, phone, the last four "
        "digits of the phone, card number or member number (M-2026-000001)."
    )
    readonly_fields = [
        "card_numbers",
        "record_links",
        "tier",
        "qualifying_spend",
        "points_display",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name",
                    "gender",
                    "birth_year",
                    "occupation",
                    "phone",
                    "email",
                ]
            },
        ),
        (_("Address"), {"fields": ["city", "district", "address"]}),
        (
            _("Sign-up"),
            {
                "fields": [
                    "signup_activity",
                    "signup_store",
                    "signup_venue",
                    "joined_on",
                ]
            },
        ),
        (
            _("Consent"),
            {"fields": ["consent_given_at", "consent_method", "consent_marketing"]},
        ),
        (
            _("Membership"),
            {
                "fields": [
                    "number_display",
                    "card_numbers",
                    "record_links",
                    "tier",
                    "qualifying_spend",
                    "points_display",
                    "owner",
                    "created",
                ]
            },
        ),
        (
            _("Migration"),
            {"fields": ["legacy_source", "legacy_id"], "classes": ["collapse"]},
        ),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # A household merged into another is reached through the survivor,
        # which the search below finds by the merged one's phone and number.
        queryset = super().get_queryset(request)
        return cast(MemberQuerySet, queryset).unmerged().with_points()

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        # Neither Django's search nor DocumentAdmin's is called. Django's would
        # join persons, merged households and cards, which then needs DISTINCT,
        # and household_search matches the member number itself.
        if not search_term.strip():
            return queryset, False

        return queryset.filter(household_search(search_term)), False

    @admin.display(description=_("points balance"), ordering="points_balance")
    def points_display(self, obj: Member) -> int:
        annotated = getattr(obj, "points_balance", None)
        return annotated if annotated is not None else balance(obj)

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Member | None = None,
    ) -> Any:
        # Read-only fields receive only the household, so the rows that depend
        # on the user's cities and permissions are collected here and kept on
        # the instance that the form renders.
        if obj is not None and obj.pk is not None:
            obj.desk_records = collect_records(  # type: ignore[attr-defined]
                obj, request, self.admin_site
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description=_("cards"))
    def card_numbers(self, obj: Member) -> str:
        records: HouseholdRecords | None = getattr(obj, "desk_records", None)
        if records is None or not records.cards:
            return "-"

        several = len(records.cards) > 1
        return format_html_join(
            mark_safe("<br>"),
            "{}",
            (
                (describe_card(card, records.card_urls.get(card.pk), several),)
                for card in records.cards
            ),
        )

    @admin.display(description=_("related records"))
    def record_links(self, obj: Member) -> str:
        records: HouseholdRecords | None = getattr(obj, "desk_records", None)
        if records is None or not records.lists:
            return "-"

        return format_html_join(
            mark_safe("<br>"),
            '<a href="{}" class="text-link">{}</a>',
            ((link.url, link.text) for link in records.lists),
        )
