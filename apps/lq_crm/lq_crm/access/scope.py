"""Return the cities a user may work on."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from lq_crm.access.memo import remembered
from lq_crm.access.models import CityScope


def allowed_city_ids(user: AbstractBaseUser | AnonymousUser) -> set[int] | None:
    """Return the ids of the user's cities, or None when every city is allowed.

    They come from the access memo, so a request reads them at most once.
    """
    if not user.is_authenticated:
        return set()

    city_ids = remembered(("cities", user.pk), lambda: read_city_ids(user))
    return None if city_ids is None else set(city_ids)


def read_city_ids(user: AbstractBaseUser) -> frozenset[int] | None:
    try:
        scope = CityScope.objects.get(user_id=user.pk)
    except CityScope.DoesNotExist:
        return None

    return frozenset(scope.cities.values_list("pk", flat=True))
