"""Users for event tests: regional offices of two cities with event permissions."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.auth.models import Permission, User
from django.utils import translation

from lq_crm.doctype.region.models import Region
from tests.conftest import make_user


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Check messages in English, whatever language an earlier test activated."""
    with translation.override("en"):
        yield


EVENT_PERMISSIONS = [
    "view_event",
    "view_departure",
    "view_registration",
    "add_registration",
    "cancel_registration",
    "checkin_registration",
    "draw_event",
]


def grant_event_permissions(user: User) -> User:
    """Give ``user`` the event permissions that roles.yaml does not list yet."""
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="event", codename__in=EVENT_PERMISSIONS
        )
    )
    return User.objects.get(pk=user.pk)


@pytest.fixture
def jinan_office(jinan: Region) -> User:
    return grant_event_permissions(
        make_user("jinan-office", "regional_office", [jinan])
    )


@pytest.fixture
def qingdao_office(qingdao: Region) -> User:
    return grant_event_permissions(
        make_user("qingdao-office", "regional_office", [qingdao])
    )


@pytest.fixture
def head_office(head_office_admin: User) -> User:
    return grant_event_permissions(head_office_admin)
