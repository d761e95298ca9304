from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from unfold.admin import TabularInline

from lq_crm.core.admin import (
    CityScopedAdminMixin,
    DocumentAdmin,
    PersonalDataAdminMixin,
)
from lq_crm.core.models import parse_number
from lq_crm.core.phones import InvalidPhoneError, normalise_phone
from lq_crm.doctype.member.models import HouseholdPerson, Member, MemberQuerySet
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
    search_fields = ["name", "merged_members__name", "=cards__card_number"]
    search_help_text = _(
        "Search by name, phone, card number or member number (M-2026-000001)."
    )
    readonly_fields = ["card_numbers", "tier", "qualifying_spend", "points_display"]
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
        results, may_have_duplicates = super().get_search_results(
            request, queryset, search_term
        )
        merged_pk = parse_number(Member, search_term)
        if merged_pk is not None:
            results = results | queryset.filter(merged_members__pk=merged_pk)
            may_have_duplicates = True
        try:
            phone = normalise_phone(search_term)
        except InvalidPhoneError:
            return results, may_have_duplicates

        by_phone = queryset.filter(
            models.Q(phone=phone)
            | models.Q(persons__phone=phone)
            | models.Q(merged_members__phone=phone)
        )
        return results | by_phone, True

    @admin.display(description=_("points balance"), ordering="points_balance")
    def points_display(self, obj: Member) -> int:
        annotated = getattr(obj, "points_balance", None)
        return annotated if annotated is not None else balance(obj)

    @admin.display(description=_("cards"))
    def card_numbers(self, obj: Member) -> str:
        numbers = obj.cards.values_list("card_number", flat=True)
        return ", ".join(numbers) or "-"
