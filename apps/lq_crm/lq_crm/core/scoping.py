"""Limit rows to the cities of the user's scope, on every path that reads them.

Each city-scoped model is listed once in ``CITY_PATHS`` with the lookup from
the model to its city. The desk admins, the API viewsets, the choice lists of
forms and serializers, and the exports all filter through ``visible_to``, so
a regional office reads and writes its own cities' rows only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from rest_framework import serializers

from lq_crm.access.scope import allowed_city_ids

User = AbstractBaseUser | AnonymousUser


@dataclass(frozen=True)
class CityPath:
    """The lookup from a model to its city, such as ``member__city``.

    ``shared_when_empty`` makes the rows whose city is empty visible to every
    office: cards in stock belong to no household, and province-wide events
    have no organising city. Only head office may write such rows.
    """

    lookup: str
    shared_when_empty: bool = False


# Keyed by model label ("app_label.model_name").
CITY_PATHS: dict[str, CityPath] = {
    "member.member": CityPath("city"),
    "member.householdperson": CityPath("member__city"),
    "card.card": CityPath("member__city", shared_when_empty=True),
    "slip.purchaseslip": CityPath("store__city"),
    "slip.purchaseslipline": CityPath("slip__store__city"),
    "points.pointsledgerentry": CityPath("member__city"),
    "tier.tierchange": CityPath("member__city"),
    "store.store": CityPath("city"),
    "event.event": CityPath("city", shared_when_empty=True),
    "event.departure": CityPath("event__city", shared_when_empty=True),
    "event.lotterydraw": CityPath("event__city", shared_when_empty=True),
    "event.registration": CityPath("member__city"),
    "event.registrationperson": CityPath("registration__member__city"),
    "notify.notification": CityPath("member__city"),
}

REGION_LABEL = "region.region"


def city_path_for(model: type[models.Model]) -> CityPath | None:
    """Return the model's city path, or None for a model shared by every city."""
    return CITY_PATHS.get(model._meta.label_lower)


def is_city_scoped(model: type[models.Model]) -> bool:
    return city_path_for(model) is not None


def city_condition(path: CityPath, city_ids: set[int]) -> Q:
    condition = Q(**{f"{path.lookup}__in": city_ids})
    if path.shared_when_empty:
        condition |= Q(**{f"{path.lookup}__isnull": True})
    return condition


def visible_to(queryset: QuerySet, user: User) -> QuerySet:
    """Filter ``queryset`` to the rows of the user's cities.

    A user without a city scope gets every row and one with an empty scope
    gets none. Regions are limited to the user's cities and their districts.
    A model that is neither listed in ``CITY_PATHS`` nor a region is returned
    unfiltered, because it belongs to no city.
    """
    model = queryset.model
    if model._meta.label_lower == REGION_LABEL:
        city_ids = allowed_city_ids(user)
        if city_ids is None:
            return queryset
        return queryset.filter(Q(pk__in=city_ids) | Q(parent__in=city_ids))

    # The path comes first because reading the user's cities costs a query.
    path = city_path_for(model)
    if path is None:
        return queryset

    city_ids = allowed_city_ids(user)
    if city_ids is None:
        return queryset

    return queryset.filter(city_condition(path, city_ids))


def city_id_of(instance: models.Model) -> int | None:
    """Follow the model's city path on an unsaved or saved instance."""
    path = city_path_for(type(instance))
    if path is None:
        return None

    *relations, city_field = path.lookup.split("__")
    target: Any = instance
    for name in relations:
        target = getattr(target, name, None)
        if target is None:
            return None
    return getattr(target, f"{city_field}_id", None)


def may_write(instance: models.Model, user: User) -> bool:
    """Tell whether the user may save ``instance`` with its current city.

    Head office may write any row. A scoped user may write rows of their
    cities only, which excludes shared rows that have no city.
    """
    if city_path_for(type(instance)) is None:
        return True

    city_ids = allowed_city_ids(user)
    if city_ids is None:
        return True

    return city_id_of(instance) in city_ids


def outside_scope_message() -> str:
    return _(
        "This record belongs to a city outside your cities: choose a city, "
        "store or household of your own cities."
    )


class CityScopedViewSetMixin:
    """Scope a DRF viewset's rows, related-field choices and writes.

    Put it first in the bases. ``get_queryset`` returns the viewset's rows
    visible to the user, so a detail request for another city's row is 404.
    Related fields of the serializer offer only visible rows, and a create or
    update that would move a row out of the user's cities is rolled back
    with a 400 response.
    """

    request: Any

    def get_queryset(self) -> QuerySet:
        queryset = super().get_queryset()  # type: ignore[misc]
        return visible_to(queryset, self.request.user)

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        serializer = super().get_serializer(*args, **kwargs)  # type: ignore[misc]
        scope_serializer_choices(serializer, self.request.user)
        return serializer

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        with transaction.atomic():
            super().perform_create(serializer)  # type: ignore[misc]
            require_writable(serializer.instance, self.request.user)

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        with transaction.atomic():
            super().perform_update(serializer)  # type: ignore[misc]
            require_writable(serializer.instance, self.request.user)


def require_writable(instance: Any, user: User) -> None:
    """Raise a 400 ValidationError when the saved row is outside the user's cities.

    Callers run this inside the transaction of the save, so the row is
    rolled back.
    """
    if isinstance(instance, models.Model) and not may_write(instance, user):
        raise serializers.ValidationError({"detail": outside_scope_message()})


def scope_serializer_choices(serializer: Any, user: User) -> None:
    """Limit the querysets of related fields, nested ones included, to visible rows."""
    if isinstance(serializer, serializers.ListSerializer):
        scope_serializer_choices(serializer.child, user)
        return
    if not isinstance(serializer, serializers.Serializer):
        return

    for field in serializer.fields.values():
        if isinstance(field, serializers.ManyRelatedField):
            field = field.child_relation
        if isinstance(field, serializers.RelatedField):
            choices = getattr(field, "queryset", None)
            if isinstance(choices, models.Manager):
                choices = choices.all()
            if isinstance(choices, QuerySet):
                setattr(field, "queryset", visible_to(choices, user))  # noqa: B010
        elif isinstance(field, serializers.BaseSerializer):
            scope_serializer_choices(field, user)
