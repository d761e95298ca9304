"""REST endpoints for events and trip registrations.

Both are limited to the user's cities. An office can read province-wide
events and its own city's events, and the registrations of its own households.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from lq_crm.core.api import (
    CustomFieldsSerializerMixin,
    NumberField,
    WorkflowViewSetMixin,
    require_permission,
)
from lq_crm.core.scoping import CityScopedViewSetMixin
from lq_crm.core.users import Actor
from lq_crm.doctype.card.models import Card
from lq_crm.doctype.card.services import CardError
from lq_crm.doctype.event import allocation
from lq_crm.doctype.event.allocation import PersonInput, cancel_registration
from lq_crm.doctype.event.attendance import check_in, check_in_registration
from lq_crm.doctype.event.eligibility import RegistrationError
from lq_crm.doctype.event.lookups import (
    find_departure,
    find_event,
    find_household_card,
    household_persons,
)
from lq_crm.doctype.event.models import (
    Departure,
    Event,
    EventFeeShare,
    Registration,
    RegistrationPerson,
)
from lq_crm.doctype.member.models import HouseholdPerson
from lq_crm.doctype.tier.models import Tier
from lq_crm.workflow.actions import register_action


class EventDepartureSerializer(serializers.ModelSerializer):
    seats_left = serializers.IntegerField(read_only=True)

    class Meta:
        model = Departure
        fields = ["id", "name", "departs_at", "capacity", "seats_taken", "seats_left"]


class EventFeeShareSerializer(serializers.ModelSerializer):
    tier: serializers.SlugRelatedField[Tier] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )

    class Meta:
        model = EventFeeShare
        fields = ["tier", "percent"]


class EventSerializer(CustomFieldsSerializerMixin, serializers.ModelSerializer):
    number = NumberField()
    departures = EventDepartureSerializer(many=True, read_only=True)
    # Percent of the fee per person that each tier pays; a tier not listed
    # pays the whole fee.
    fee_shares = EventFeeShareSerializer(many=True, read_only=True)

    class Meta:
        model = Event
        fields = [
            "id",
            "number",
            "kind",
            "title",
            "city",
            "venue",
            "starts_at",
            "ends_at",
            "registration_opens_at",
            "registration_closes_at",
            "capacity",
            "household_seat_limit",
            "allocation_mode",
            "fee_per_person",
            "fee_shares",
            "status",
            "departures",
        ]


class EventFilter(filters.FilterSet):
    open = filters.BooleanFilter(
        method="filter_open",
        help_text="true: only events whose registration is open now.",
    )

    class Meta:
        model = Event
        fields = ["status", "kind", "city", "allocation_mode"]

    def filter_open(
        self, queryset: QuerySet[Event], name: str, value: bool | None
    ) -> QuerySet[Event]:
        if value is None:
            return queryset

        now = timezone.now()
        is_open = Q(
            status=Event.Status.OPEN,
            registration_opens_at__lte=now,
            registration_closes_at__gt=now,
        )
        return queryset.filter(is_open) if value else queryset.exclude(is_open)


class RegistrationPersonSerializer(serializers.ModelSerializer):
    name = serializers.CharField(max_length=64, required=False, default="")
    person = serializers.PrimaryKeyRelatedField(
        queryset=HouseholdPerson.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = RegistrationPerson
        fields = ["name", "person"]


class RegistrationSerializer(CustomFieldsSerializerMixin, serializers.ModelSerializer):
    number = NumberField()
    card: serializers.SlugRelatedField[Card] = serializers.SlugRelatedField(
        slug_field="card_number", read_only=True
    )
    persons = RegistrationPersonSerializer(many=True, read_only=True)
    fee_tier: serializers.SlugRelatedField[Tier] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )

    class Meta:
        model = Registration
        fields = [
            "id",
            "number",
            "event",
            "departure",
            "member",
            "card",
            "seats",
            "persons",
            "status",
            "waitlist_position",
            "fee_due",
            "fee_tier",
            "fee_percent",
            "eligible_spend",
            "spend_since",
            "spend_until",
            "eligibility_rule",
            "lottery_draw",
            "checked_in_at",
            "cancelled_at",
            "note",
        ]
        read_only_fields = fields


class PersonInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=64, required=False, default="")
    person = serializers.IntegerField(
        required=False, allow_null=True, help_text="Id of a household person."
    )


# The ids are plain integers, looked up once within the user's cities by
# lookups.py, instead of related fields that would each read the user's
# cities and the row again.
class RegistrationCreateSerializer(serializers.Serializer):
    event = serializers.IntegerField()
    departure = serializers.IntegerField(required=False, allow_null=True)
    card_number = serializers.CharField(max_length=32)
    persons = PersonInputSerializer(many=True)
    waitlist_rest = serializers.BooleanField(
        default=False,
        help_text="Waitlist the whole registration when fewer seats remain "
        "than persons, instead of returning 400.",
    )
    note = serializers.CharField(max_length=200, required=False, default="")


class RegistrationCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, default="")


class RegistrationCheckInSerializer(serializers.Serializer):
    card_number = serializers.CharField(max_length=32)


def error_response(error: Exception) -> Response:
    return Response({"detail": str(error)}, status=status.HTTP_400_BAD_REQUEST)


class EventViewSet(CityScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Events with their departures and seats; ``?open=true`` lists open ones."""

    serializer_class = EventSerializer
    filterset_class = EventFilter
    search_fields = ["title", "venue"]
    ordering_fields = ["starts_at", "id"]

    queryset = Event.objects.prefetch_related("departures", "fee_shares__tier")

    @extend_schema(
        request=RegistrationCheckInSerializer, responses=RegistrationSerializer
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="check-in",
        permission_classes=[IsAuthenticated],
    )
    def check_in(self, request: Request, pk: str) -> Response:
        """Check in the household of a card number at this event."""
        require_permission(request, "event.checkin_registration")
        event = get_object_or_404(self.get_queryset(), pk=pk)
        form = RegistrationCheckInSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            registration = check_in(
                event, form.validated_data["card_number"], request.user
            )
        except RegistrationError as error:
            return error_response(error)

        return Response(RegistrationSerializer(registration).data)


class RegistrationFilter(filters.FilterSet):
    card_number = filters.CharFilter(field_name="card__card_number")

    class Meta:
        model = Registration
        fields = ["event", "departure", "status", "member", "card_number"]


class RegistrationViewSet(
    WorkflowViewSetMixin,
    CityScopedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Trip registrations, whose status changes through workflow actions.

    ``transition/`` takes any action the user may take; the cancel and
    check-in routes remain for existing clients.
    """

    serializer_class = RegistrationSerializer
    workflow_action_serializers = {"cancel": RegistrationCancelSerializer}
    workflow_errors = (RegistrationError, CardError)
    filterset_class = RegistrationFilter
    ordering_fields = ["created", "waitlist_position", "id"]

    queryset = Registration.objects.select_related("card", "member").prefetch_related(
        "persons"
    )

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action == "create":
            return RegistrationCreateSerializer
        return RegistrationSerializer

    @extend_schema(
        request=RegistrationCreateSerializer, responses={201: RegistrationSerializer}
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = self.get_serializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        try:
            registration = self.register_household(request, data)
        except (RegistrationError, CardError) as error:
            return error_response(error)

        # The registration in memory carries what was written, so only its
        # persons are read back.
        return Response(
            RegistrationSerializer(registration).data, status=status.HTTP_201_CREATED
        )

    def register_household(
        self, request: Request, data: dict[str, Any]
    ) -> Registration:
        """Register the card's household after checking both are in the user's scope."""
        event = find_event(data["event"], request.user)
        departure = find_departure(event, data.get("departure"))
        card = find_household_card(data["card_number"], request.user)
        on_file = household_persons(
            card.member,
            [entry["person"] for entry in data["persons"] if entry.get("person")],
        )
        persons = [
            PersonInput(
                name=entry.get("name", ""), person=on_file.get(entry.get("person"))
            )
            for entry in data["persons"]
        ]
        return allocation.register(
            event,
            card,
            persons,
            departure=departure,
            user=request.user,
            waitlist_rest=data["waitlist_rest"],
            note=data["note"],
        )

    def run_action(self, pk: str, permission: str, change: Any) -> Response:
        require_permission(self.request, permission)
        registration = get_object_or_404(self.get_queryset(), pk=pk)
        try:
            result = change(registration)
        except RegistrationError as error:
            return error_response(error)

        fresh = self.get_queryset().get(pk=result.pk)
        return Response(RegistrationSerializer(fresh).data)

    @extend_schema(
        request=RegistrationCancelSerializer, responses=RegistrationSerializer
    )
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def cancel(self, request: Request, pk: str) -> Response:
        form = RegistrationCancelSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        reason = form.validated_data["reason"]
        return self.run_action(
            pk,
            "event.cancel_registration",
            lambda registration: cancel_registration(
                registration, request.user, reason
            ),
        )

    @extend_schema(request=None, responses=RegistrationSerializer)
    @action(
        detail=True,
        methods=["post"],
        url_path="check-in",
        permission_classes=[IsAuthenticated],
    )
    def check_in(self, request: Request, pk: str) -> Response:
        return self.run_action(
            pk,
            "event.checkin_registration",
            lambda registration: check_in_registration(registration, request.user),
        )


def take_cancel(
    registration: Registration, user: Actor, data: Mapping[str, Any]
) -> Registration:
    return cancel_registration(registration, user, data.get("reason", ""))


def take_attend(
    registration: Registration, user: Actor, data: Mapping[str, Any]
) -> Registration:
    return check_in_registration(registration, user)


# The functions that desk buttons and the transition route call. Registered
# here because the URL configuration imports this module in every web process.
register_action(Registration, "cancel", take_cancel)
register_action(Registration, "attend", take_attend)


def register(router: Any) -> None:
    router.register("events", EventViewSet, basename="event")
    router.register("event-registrations", RegistrationViewSet, basename="registration")
