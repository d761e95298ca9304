"""The city an office user works on in the portal, and the rows of that city.

Every portal page works on one city at a time, kept in the session. Rows are
read through ``core.scoping.visible_to`` first and then narrowed to that city,
so a city outside the user's scope can never be reached, even by editing the
session or a URL.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from lq_crm.core.scoping import (
    city_condition,
    city_path_for,
    may_write,
    outside_scope_message,
    visible_to,
)
from lq_crm.doctype.region.models import Region

User = AbstractBaseUser | AnonymousUser

SESSION_KEY = "office_portal_city"

# Every role that works in a city office may view households. A household's
# own login (the member role) may not, so it cannot enter the office portal.
PORTAL_PERMISSION = "member.view_member"


def office_cities(user: User) -> QuerySet[Region]:
    """Return the cities the user may pick in the portal, in adcode order."""
    return visible_to(Region.objects.cities(), user).order_by("adcode")


def may_use_portal(user: Any) -> bool:
    return bool(user.is_authenticated and user.has_perm(PORTAL_PERMISSION))


def current_city(request: HttpRequest) -> Region | None:
    """Return the session's city while the user may still see it.

    A user who can see exactly one city gets that city without choosing.
    """
    cities = office_cities(request.user)
    city_id = request.session.get(SESSION_KEY)
    if city_id is not None:
        city = cities.filter(pk=city_id).first()
        if city is not None:
            return city

    first_two = list(cities[:2])
    if len(first_two) == 1:
        choose_city(request, first_two[0])
        return first_two[0]

    return None


def choose_city(request: HttpRequest, city: Region) -> None:
    request.session[SESSION_KEY] = city.pk


def city_rows(queryset: QuerySet, user: User, city: Region) -> QuerySet:
    """Filter ``queryset`` to the user's visible rows that belong to ``city``.

    Shared rows without a city (cards in stock, province-wide events) stay in,
    as ``visible_to`` keeps them for every office.
    """
    rows = visible_to(queryset, user)
    path = city_path_for(queryset.model)
    if path is None:
        return rows

    return rows.filter(city_condition(path, {city.pk}))


def require_writable(instance: models.Model, user: User) -> None:
    """Raise PermissionDenied unless the user may save ``instance``."""
    if not may_write(instance, user):
        raise PermissionDenied(outside_scope_message())
