"""REST endpoints for purchase slips: create, then submit, cancel and amend.

Submitting, cancelling and amending are workflow actions taken with
``POST /api/slips/<id>/transition/`` (see WorkflowViewSetMixin).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from lq_crm.core.api import (
    CustomFieldsSerializerMixin,
    NumberField,
    WorkflowViewSetMixin,
    require_permission,
)
from lq_crm.core.scoping import CityScopedViewSetMixin, may_write
from lq_crm.doctype.card.models import Card
from lq_crm.doctype.card.services import CardError, get_usable_card
from lq_crm.doctype.club.reference import categories_by_code, stores_by_code
from lq_crm.doctype.product.models import Product
from lq_crm.doctype.slip.models import PurchaseSlip, PurchaseSlipLine
from lq_crm.doctype.slip.services import (
    DuplicateReceiptError,
    LineInput,
    SlipError,
    create_slip,
)

StrOrPromise = str | Promise


class CachedCodeField(serializers.CharField):
    """A row given by its code and read from the per-process memo of such rows.

    It replaces a SlugRelatedField on the code, without a query per request.
    """

    default_error_messages = {
        "not_found": _("{label} {code} was not found: check the code.")
    }
    label_text: StrOrPromise = ""

    def rows(self) -> dict[str, Any]:
        raise NotImplementedError

    def to_internal_value(self, data: Any) -> Any:
        code = super().to_internal_value(data)
        row = self.rows().get(code)
        if row is None or not self.visible(row):
            self.fail("not_found", label=self.label_text, code=code)
        return row

    def visible(self, row: Model) -> bool:
        return True

    def to_representation(self, value: Any) -> str:
        return str(value.code)


class CategoryCodeField(CachedCodeField):
    label_text = _("Product category")

    def rows(self) -> dict[str, Any]:
        return categories_by_code()


class StoreCodeField(CachedCodeField):
    """A store code; another city's store reads as not found to a scoped user."""

    label_text = _("Store")

    def rows(self) -> dict[str, Any]:
        return stores_by_code()

    def visible(self, row: Model) -> bool:
        return may_write(row, self.context["request"].user)


class SlipLineSerializer(serializers.ModelSerializer):
    category = CategoryCodeField()
    product = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Product.objects.all(),
        required=False,
        allow_null=True,
    )
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)

    class Meta:
        model = PurchaseSlipLine
        fields = ["id", "category", "product", "quantity", "amount", "points"]
        read_only_fields = ["id", "points"]


class SlipSerializer(CustomFieldsSerializerMixin, serializers.ModelSerializer):
    number = NumberField()
    card_number = serializers.CharField(write_only=True, max_length=32)
    card: serializers.SlugRelatedField[Card] = serializers.SlugRelatedField(
        slug_field="card_number", read_only=True
    )
    store = StoreCodeField()
    lines = SlipLineSerializer(many=True)
    submit = serializers.BooleanField(
        write_only=True,
        default=False,
        help_text="Submit the slip in the same request.",
    )

    class Meta:
        model = PurchaseSlip
        fields = [
            "id",
            "number",
            "card_number",
            "card",
            "member",
            "store",
            "purchased_at",
            "receipt_number",
            "status",
            "total",
            "source",
            "submitted_at",
            "cancelled_at",
            "cancel_reason",
            "amended_from",
            "lines",
            "submit",
        ]
        read_only_fields = [
            "member",
            "status",
            "total",
            "source",
            "submitted_at",
            "cancelled_at",
            "cancel_reason",
            "amended_from",
        ]

    def validate_lines(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if not value:
            raise serializers.ValidationError("A slip needs at least one line.")
        return value


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=200,
        required=False,
        default="",
        help_text="Why the slip is cancelled, for the history.",
    )


class SlipFilter(filters.FilterSet):
    card_number = filters.CharFilter(field_name="card__card_number")
    store = filters.CharFilter(field_name="store__code")
    purchased_after = filters.IsoDateTimeFilter(
        field_name="purchased_at", lookup_expr="gte"
    )
    purchased_before = filters.IsoDateTimeFilter(
        field_name="purchased_at", lookup_expr="lt"
    )

    class Meta:
        model = PurchaseSlip
        fields = ["status", "member", "card_number", "store"]


def error_response(error: Exception) -> Response:
    if isinstance(error, DuplicateReceiptError):
        return Response(
            {"detail": str(error), "existing": error.existing.number},
            status=status.HTTP_409_CONFLICT,
        )
    return Response({"detail": str(error)}, status=status.HTTP_400_BAD_REQUEST)


class SlipViewSet(
    WorkflowViewSetMixin,
    CityScopedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Purchase slips. A submitted slip is never edited: cancel and amend it."""

    serializer_class = SlipSerializer
    workflow_action_serializers = {"cancel": CancelSerializer}
    workflow_errors = (SlipError, CardError)
    filterset_class = SlipFilter
    search_fields = ["receipt_number", "card__card_number"]
    ordering_fields = ["purchased_at", "id"]

    queryset = PurchaseSlip.objects.select_related("card", "store").prefetch_related(
        "lines__category", "lines__product"
    )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data["submit"]:
            # The permission and the roles of the workflow's "submit" are kept
            # in step, so this rejects early the users that submit_slip would.
            require_permission(request, "slip.submit_purchaseslip")

        # create_slip opens the transaction, so the card is read before it.
        try:
            card = get_usable_card(
                data["card_number"], request.user, with_household=False
            )
            slip = create_slip(
                card=card,
                store=data["store"],
                receipt_number=data["receipt_number"],
                purchased_at=data.get("purchased_at"),
                lines=[LineInput(**line) for line in data["lines"]],
                clerk=request.user,
                source=PurchaseSlip.Source.API,
                custom=data.get("custom"),
                submit=data["submit"],
            )
        except (SlipError, CardError) as error:
            return error_response(error)

        # As serializer.save() would, so .data renders the slip. The slip, its
        # card and its lines are in memory, so rendering reads no rows.
        serializer.instance = slip
        return Response(serializer.data, status=status.HTTP_201_CREATED)

    def workflow_error_response(self, error: Exception) -> Response:
        return error_response(error)


def register(router: Any) -> None:
    router.register("slips", SlipViewSet, basename="slip")
