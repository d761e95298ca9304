"""The user that services record as the actor, or None for jobs."""

from __future__ import annotations

from typing import TypeAlias

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

Actor: TypeAlias = AbstractBaseUser | AnonymousUser | None


def actor_id(user: Actor) -> int | None:
    """Return the user's primary key, or None for a job or an anonymous caller."""
    if user is None or not user.is_authenticated:
        return None

    return int(user.pk)
