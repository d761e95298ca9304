"""REST endpoints for card batches and cards: print, issue, block and replace.

A card's lifecycle steps are workflow actions taken with
``POST /api/cards/<id>/transition/`` (see WorkflowViewSetMixin).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from lq_crm.core.api import (
    CustomFieldsSerializerMixin,
    NumberField,
    WorkflowViewSetMixin,
)
from lq_crm.core.scoping import CityScopedViewSetMixin, visible_to
from lq_crm.doctype.card import services
from lq_crm.doctype.card.export import card_csv_response
from lq_crm.doctype.card.models import Card, CardBatch
from lq_crm.doctype.member.models import Member
from lq_crm.doctype.slip.models import PurchaseSlip


def error_response(error: Exception) -> Response:
    return Response({"detail": str(error)}, status=status.HTTP_400_BAD_REQUEST)


class CardBatchSerializer(serializers.ModelSerializer):
    number = NumberField()
    last_serial = serializers.IntegerField(read_only=True)
    in_stock = serializers.IntegerField(read_only=True)

    class Meta:
        model = CardBatch
        fields = [
            "id",
            "number",
            "prefix",
            "width",
            "first_serial",
            "last_serial",
            "quantity",
            "note",
            "in_stock",
            "created",
        ]
        read_only_fields = ["created"]


class CardBatchViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Card batches. Creating one generates its cards in stock."""

    serializer_class = CardBatchSerializer
    filterset_fields = ["prefix", "width"]
    ordering_fields = ["id", "first_serial"]

    def get_queryset(self) -> QuerySet[CardBatch]:
        in_stock = Count("cards", filter=Q(cards__status=Card.Status.IN_STOCK))
        return CardBatch.objects.annotate(in_stock=in_stock).order_by("-pk")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            batch = services.generate_batch(
                CardBatch(**serializer.validated_data),
                user=request.user,
            )
        except services.CardError as error:
            return error_response(error)

        fresh = self.get_queryset().get(pk=batch.pk)
        return Response(self.get_serializer(fresh).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: OpenApiResponse(description="CSV file")})
    @action(detail=True, methods=["get"])
    def export(self, request: Request, pk: str) -> StreamingHttpResponse:
        batch = self.get_object()
        cards = visible_to(Card.objects.filter(batch=batch), request.user)
        return card_csv_response(request, cards, f"cards-{batch.number}.csv")


class CardSerializer(CustomFieldsSerializerMixin, serializers.ModelSerializer):
    number = NumberField()
    batch: serializers.PrimaryKeyRelatedField[CardBatch] = (
        serializers.PrimaryKeyRelatedField(read_only=True)
    )
    replaced_by: serializers.SlugRelatedField[Card] = serializers.SlugRelatedField(
        slug_field="card_number", read_only=True
    )

    class Meta:
        model = Card
        fields = [
            "id",
            "number",
            "card_number",
            "batch",
            "serial",
            "status",
            "member",
            "issued_at",
            "admission_basis",
            "admission_slip",
            "admission_note",
            "replaced_by",
            "legacy",
            "modified",
        ]
        read_only_fields = fields


class IssueSerializer(serializers.Serializer):
    member = serializers.PrimaryKeyRelatedField(queryset=Member.objects.all())
    basis = serializers.ChoiceField(choices=sorted(services.ISSUE_BASES))
    note = serializers.CharField(max_length=200, required=False, default="")
    slip = serializers.PrimaryKeyRelatedField(
        queryset=PurchaseSlip.objects.all(), required=False, allow_null=True
    )

    def validate_member(self, member: Member) -> Member:
        user = self.context["request"].user
        if not visible_to(Member.objects.filter(pk=member.pk), user).exists():
            raise serializers.ValidationError(
                _("Household %(member)s is outside your cities.")
                % {"member": member.number}
            )
        return member


class ReplaceSerializer(serializers.Serializer):
    new_card_number = serializers.CharField(
        max_length=32,
        required=False,
        default="",
        help_text="The card in stock to give; empty takes the lowest serial in stock.",
    )


class CardFilter(filters.FilterSet):
    card_number = filters.CharFilter(field_name="card_number")

    class Meta:
        model = Card
        fields = ["status", "batch", "member", "legacy", "card_number"]


class CardViewSet(
    WorkflowViewSetMixin, CityScopedViewSetMixin, viewsets.ReadOnlyModelViewSet
):
    """Cards. Their status changes only through the workflow actions."""

    serializer_class = CardSerializer
    workflow_action_serializers = {
        "issue": IssueSerializer,
        "replace": ReplaceSerializer,
    }
    workflow_errors = (services.CardError,)
    filterset_class = CardFilter
    search_fields = ["card_number"]
    ordering_fields = ["card_number", "serial", "issued_at"]

    # Cards in stock belong to no city and carry no personal data, so the
    # mixin shows them to every office.
    queryset = Card.objects.select_related("replaced_by").order_by("card_number")


def register(router: Any) -> None:
    router.register("card-batches", CardBatchViewSet, basename="card-batch")
    router.register("cards", CardViewSet, basename="card")
