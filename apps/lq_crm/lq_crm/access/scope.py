"""Return the cities a user may work on."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from lq_crm.access.models import CityScope


def allowed_city_ids(user: AbstractBaseUser | AnonymousUser) -> set[int] | None:
    """Return the ids of the user's cities, or None when every city is allowed."""
    if not user.is_authenticated:
        return set()

    try:
        scope = CityScope.objects.get(user_id=user.pk)
    except CityScope.DoesNotExist:
        return None

    return set(scope.cities.values_list("pk", flat=True))
