"""Shared fixtures: the shipped fixtures loaded, named users, a clean Redis."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.utils import translation

from lq_crm.access.models import CityScope, Role
from lq_crm.core.fixtures import sync_all
from lq_crm.doctype.region.models import Region
from lq_crm.doctype.tier.models import Tier


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing() -> None:
    # The named users are created for almost every test; the real hasher's
    # work factor would dominate the run and proves nothing here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        sync_all()


def is_transactional(request: pytest.FixtureRequest) -> bool:
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        return True

    return bool({"transactional_db", "live_server"} & set(request.fixturenames))


@pytest.fixture(autouse=True)
def shipped_fixtures(request: pytest.FixtureRequest) -> None:
    """Reload the shipped fixtures after a transactional test emptied the tables."""
    if is_transactional(request):
        request.getfixturevalue("transactional_db")
        if not Tier.objects.exists():
            sync_all()


@pytest.fixture(autouse=True)
def english_messages() -> Iterator[None]:
    """Let tests that call services directly read their messages in English.

    Requests through the test client still choose their language in the
    locale middleware, so desk pages render in Chinese as users see them.
    """
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def clean_redis() -> Iterator[None]:
    if settings.REDIS_URL:
        import django_rq

        django_rq.get_connection("default").flushdb()
    yield


def city(name: str) -> Region:
    return Region.objects.get(name=name, level=Region.Level.CITY)


@pytest.fixture
def jinan(db: None) -> Region:
    return city("济南市")


@pytest.fixture
def qingdao(db: None) -> Region:
    return city("青岛市")


def make_user(username: str, role: str, cities: list[Region] | None = None) -> User:
    user = User.objects.create_user(username, password="secret-pass-1", is_staff=True)
    user.groups.add(Role.objects.get(code=role).group)
    if cities is not None:
        scope = CityScope.objects.create(user=user)
        scope.cities.set(cities)
    return user


@pytest.fixture
def head_office_admin(db: None) -> User:
    return make_user("head", "head_office")


@pytest.fixture
def jinan_clerk(jinan: Region) -> User:
    return make_user("jinan-clerk", "store_clerk", [jinan])


@pytest.fixture
def qingdao_clerk(qingdao: Region) -> User:
    return make_user("qingdao-clerk", "store_clerk", [qingdao])
