"""REST endpoints for events and trip registrations.

Both are limited to the user's cities. An office can read province-wide
events and its own city's events, and the registrations of its own households.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
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
    require_permission,
)
from lq_crm.core.scoping import CityScopedViewSetMixin, visible_to
from lq_crm.doctype.card.models import Card
from lq_crm.doctype.card.services import CardError, get_usable_card
from lq_crm.doctype.event import allocation
from lq_crm.doctype.event.allocation import PersonInput, cancel_registration
from lq_crm.doctype.event.attendance import check_in, check_in_registration
from lq_crm.doctype.event.eligibility import RegistrationError
from lq_crm.doctype.event.models import (
    Departure,
    Event,
    Registration,
    RegistrationPerson,
)
from lq_crm.doctype.member.models import HouseholdPerson, Member


class EventDepartureSerializer(serializers.ModelSerializer):
    seats_left = serializers.IntegerField(read_only=True)

    class Meta:
        model = Departure
        fields = ["id", "name", "departs_at", "capacity", "seats_taken", "seats_left"]


class EventSerializer(CustomFieldsSerializerMixin, serializers.ModelSerializer):
    number = NumberField()
    departures = EventDepartureSerializer(many=True, read_only=True)

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


class RegistrationCreateSerializer(serializers.Serializer):
    event = serializers.PrimaryKeyRelatedField(queryset=Event.objects.all())
    departure = serializers.PrimaryKeyRelatedField(
        queryset=Departure.objects.all(), required=False, allow_null=True
    )
    card_number = serializers.CharField(max_length=32)
    persons = RegistrationPersonSerializer(many=True)
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


def visible_events(request: Request) -> QuerySet[Event]:
    """Return the user's events: their cities' and the province-wide ones."""
    return visible_to(Event.objects.prefetch_related("departures"), request.user)


class EventViewSet(CityScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Events with their departures and seats; ``?open=true`` lists open ones."""

    serializer_class = EventSerializer
    filterset_class = EventFilter
    search_fields = ["title", "venue"]
    ordering_fields = ["starts_at", "id"]

    queryset = Event.objects.prefetch_related("departures")

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
    CityScopedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Trip registrations. Status changes are the cancel and check-in actions."""

    serializer_class = RegistrationSerializer
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

        fresh = self.get_queryset().get(pk=registration.pk)
        return Response(
            RegistrationSerializer(fresh).data, status=status.HTTP_201_CREATED
        )

    def register_household(
        self, request: Request, data: dict[str, Any]
    ) -> Registration:
        """Register the card's household after checking both are in the user's scope."""
        event = data["event"]
        if not visible_events(request).filter(pk=event.pk).exists():
            raise RegistrationError(
                _("Event %(event)s was not found.") % {"event": event.pk}
            )

        card = get_usable_card(data["card_number"])
        member = card.member
        own_households = visible_to(Member.objects.all(), request.user)
        if member is None or not own_households.filter(pk=member.pk).exists():
            # Respond as for an unknown card, so other cities' cards stay hidden.
            raise CardError(
                _("Card %(card)s was not found: check the number on the card.")
                % {"card": card.card_number}
            )

        persons = [
            PersonInput(name=entry.get("name", ""), person=entry.get("person"))
            for entry in data["persons"]
        ]
        return allocation.register(
            event,
            card,
            persons,
            departure=data.get("departure"),
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


def register(router: Any) -> None:
    router.register("events", EventViewSet, basename="event")
    router.register("event-registrations", RegistrationViewSet, basename="registration")
