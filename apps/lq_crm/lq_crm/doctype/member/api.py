"""REST endpoints for member households and their persons."""

from __future__ import annotations

from typing import Any

from django_filters import rest_framework as filters
from rest_framework import serializers, viewsets

from lq_crm.core.api import CustomFieldsSerializerMixin, NumberField
from lq_crm.core.masking import (
    PersonalAddressField,
    PersonalBirthYearField,
    PersonalPhoneField,
)
from lq_crm.core.phones import InvalidPhoneError, normalise_phone
from lq_crm.core.scoping import CityScopedViewSetMixin
from lq_crm.doctype.card.models import Card
from lq_crm.doctype.member.models import HouseholdPerson, Member
from lq_crm.doctype.tier.models import Tier


def clean_phone(value: str) -> str:
    if not value:
        return ""
    try:
        return normalise_phone(value)
    except InvalidPhoneError as error:
        raise serializers.ValidationError(str(error)) from None


class HouseholdPersonSerializer(
    CustomFieldsSerializerMixin, serializers.ModelSerializer
):
    phone = PersonalPhoneField(max_length=20, required=False, allow_blank=True)
    birth_year = PersonalBirthYearField()

    class Meta:
        model = HouseholdPerson
        fields = ["id", "member", "name", "relation", "gender", "birth_year", "phone"]

    def validate_phone(self, value: str) -> str:
        return clean_phone(value)


class MemberSerializer(CustomFieldsSerializerMixin, serializers.ModelSerializer):
    number = NumberField()
    phone = PersonalPhoneField(max_length=20, required=False, allow_blank=True)
    address = PersonalAddressField()
    birth_year = PersonalBirthYearField()
    tier: serializers.SlugRelatedField[Tier] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    points_balance = serializers.IntegerField(read_only=True)
    cards: serializers.SlugRelatedField[Card] = serializers.SlugRelatedField(
        slug_field="card_number", many=True, read_only=True
    )

    class Meta:
        model = Member
        fields = [
            "id",
            "number",
            "name",
            "gender",
            "phone",
            "email",
            "address",
            "city",
            "district",
            "occupation",
            "birth_year",
            "signup_activity",
            "signup_store",
            "signup_venue",
            "joined_on",
            "consent_given_at",
            "consent_method",
            "consent_marketing",
            "tier",
            "qualifying_spend",
            "points_balance",
            "cards",
            "created",
            "modified",
        ]
        read_only_fields = ["qualifying_spend", "created", "modified"]

    def validate_phone(self, value: str) -> str:
        return clean_phone(value)


class MemberFilter(filters.FilterSet):
    card_number = filters.CharFilter(field_name="cards__card_number")
    tier = filters.CharFilter(field_name="tier__code")

    class Meta:
        model = Member
        fields = ["city", "tier", "signup_activity", "card_number"]


class MemberViewSet(CityScopedViewSetMixin, viewsets.ModelViewSet):
    """Member households. Spend, tier and points follow their slips."""

    serializer_class = MemberSerializer
    filterset_class = MemberFilter
    search_fields = ["name", "phone", "cards__card_number"]
    ordering_fields = ["id", "qualifying_spend", "joined_on"]

    # Households merged into another are left out; their rows moved to it.
    queryset = (
        Member.objects.unmerged()
        .with_points()
        .select_related("tier", "city", "district")
        .prefetch_related("cards")
        .order_by("-pk")
    )


class HouseholdPersonViewSet(CityScopedViewSetMixin, viewsets.ModelViewSet):
    serializer_class = HouseholdPersonSerializer
    queryset = HouseholdPerson.objects.all()
    filterset_fields = ["member"]


def register(router: Any) -> None:
    router.register("members", MemberViewSet, basename="member")
    router.register(
        "household-persons", HouseholdPersonViewSet, basename="household-person"
    )
