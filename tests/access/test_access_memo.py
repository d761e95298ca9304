"""Permissions, roles and cities are kept per process and read again after a change."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission, User

from lq_crm.access.models import CityScope, Role
from lq_crm.access.scope import allowed_city_ids
from lq_crm.doctype.region.models import Region
from lq_crm.workflow.engine import role_codes
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

Fixture = Callable[..., Any]
PERMISSION = "notify.change_notification"


def fresh(user: User) -> User:
    """Return the user as the next request authenticates it: a new object."""
    return User.objects.get(pk=user.pk)


def notify_permission() -> Permission:
    return Permission.objects.get(
        content_type__app_label="notify", codename="change_notification"
    )


def test_second_request_reads_no_permission_rows(
    jinan: Region,
    django_capture_on_commit_callbacks: Fixture,
    django_assert_num_queries: Fixture,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        clerk = make_user("memo-clerk", "store_clerk", [jinan])
    assert fresh(clerk).has_perm("slip.add_purchaseslip")
    user = fresh(clerk)

    with django_assert_num_queries(0):
        assert user.has_perm("slip.add_purchaseslip")
        assert not user.has_perm(PERMISSION)


def test_permission_granted_to_role_is_seen(
    jinan_clerk: User, django_capture_on_commit_callbacks: Fixture
) -> None:
    assert not fresh(jinan_clerk).has_perm(PERMISSION)

    with django_capture_on_commit_callbacks(execute=True):
        Role.objects.get(code="store_clerk").group.permissions.add(notify_permission())

    assert fresh(jinan_clerk).has_perm(PERMISSION)


def test_permission_revoked_from_role_is_seen(
    jinan_clerk: User, django_capture_on_commit_callbacks: Fixture
) -> None:
    group = Role.objects.get(code="store_clerk").group
    with django_capture_on_commit_callbacks(execute=True):
        group.permissions.add(notify_permission())
    assert fresh(jinan_clerk).has_perm(PERMISSION)

    with django_capture_on_commit_callbacks(execute=True):
        group.permissions.remove(notify_permission())

    assert not fresh(jinan_clerk).has_perm(PERMISSION)


def test_role_taken_from_user_is_seen(
    jinan_clerk: User, django_capture_on_commit_callbacks: Fixture
) -> None:
    assert fresh(jinan_clerk).has_perm("slip.add_purchaseslip")

    with django_capture_on_commit_callbacks(execute=True):
        jinan_clerk.groups.clear()

    assert not fresh(jinan_clerk).has_perm("slip.add_purchaseslip")


def test_own_permission_of_user_is_seen(
    jinan_clerk: User, django_capture_on_commit_callbacks: Fixture
) -> None:
    assert not fresh(jinan_clerk).has_perm(PERMISSION)

    with django_capture_on_commit_callbacks(execute=True):
        jinan_clerk.user_permissions.add(notify_permission())

    assert fresh(jinan_clerk).has_perm(PERMISSION)


def test_change_not_committed_stays_private(jinan_clerk: User) -> None:
    assert not fresh(jinan_clerk).has_perm(PERMISSION)
    group = Role.objects.get(code="store_clerk").group

    # The test runs in a transaction that never commits.
    group.permissions.add(notify_permission())
    assert fresh(jinan_clerk).has_perm(PERMISSION)
    group.permissions.remove(notify_permission())

    assert not fresh(jinan_clerk).has_perm(PERMISSION)


def test_deleted_group_is_seen(
    jinan: Region, django_capture_on_commit_callbacks: Fixture
) -> None:
    user = make_user("temporary-clerk", "store_clerk", [jinan])
    extra = Group.objects.create(name="extra")
    extra.permissions.add(notify_permission())
    with django_capture_on_commit_callbacks(execute=True):
        user.groups.add(extra)
    assert fresh(user).has_perm(PERMISSION)

    with django_capture_on_commit_callbacks(execute=True):
        extra.delete()

    assert not fresh(user).has_perm(PERMISSION)


def test_inactive_user_has_no_permission(jinan_clerk: User) -> None:
    assert fresh(jinan_clerk).has_perm("slip.add_purchaseslip")
    User.objects.filter(pk=jinan_clerk.pk).update(is_active=False)

    assert not fresh(jinan_clerk).has_perm("slip.add_purchaseslip")


def test_roles_follow_group_change(jinan_clerk: User) -> None:
    assert role_codes(jinan_clerk) == {"store_clerk"}

    jinan_clerk.groups.add(Role.objects.get(code="regional_office").group)

    assert role_codes(jinan_clerk) == {"store_clerk", "regional_office"}


def test_roles_follow_committed_group_change(
    jinan_clerk: User, django_capture_on_commit_callbacks: Fixture
) -> None:
    assert role_codes(fresh(jinan_clerk)) == {"store_clerk"}

    with django_capture_on_commit_callbacks(execute=True):
        jinan_clerk.groups.add(Role.objects.get(code="regional_office").group)

    assert role_codes(fresh(jinan_clerk)) == {"store_clerk", "regional_office"}


def test_scope_cities_change_is_seen(
    jinan_clerk: User,
    jinan: Region,
    qingdao: Region,
    django_capture_on_commit_callbacks: Fixture,
) -> None:
    assert allowed_city_ids(fresh(jinan_clerk)) == {jinan.pk}

    with django_capture_on_commit_callbacks(execute=True):
        CityScope.objects.get(user=jinan_clerk).cities.add(qingdao)

    assert allowed_city_ids(fresh(jinan_clerk)) == {jinan.pk, qingdao.pk}


def test_removed_scope_is_seen(
    jinan_clerk: User, jinan: Region, django_capture_on_commit_callbacks: Fixture
) -> None:
    assert allowed_city_ids(fresh(jinan_clerk)) == {jinan.pk}

    with django_capture_on_commit_callbacks(execute=True):
        CityScope.objects.filter(user=jinan_clerk).delete()

    assert allowed_city_ids(fresh(jinan_clerk)) is None


def test_new_scope_is_seen(
    head_office_admin: User, jinan: Region, django_capture_on_commit_callbacks: Fixture
) -> None:
    assert allowed_city_ids(fresh(head_office_admin)) is None

    with django_capture_on_commit_callbacks(execute=True):
        scope = CityScope.objects.create(user=head_office_admin)
        scope.cities.set([jinan])

    assert allowed_city_ids(fresh(head_office_admin)) == {jinan.pk}
