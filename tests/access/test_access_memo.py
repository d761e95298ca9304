"""Permissions, roles and cities are kept per process and read again after a change.

The tests run in a transaction that never commits, so the commit hooks that
the fixtures left would make every read bypass the memo. ``committed()``
runs them first, as the fixtures' commit would, so that each test reads
through the memo and fails if a change does not replace the token.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.cache import cache
from django.db import connection

from lq_crm.access import memo
from lq_crm.access.models import CityScope, Role
from lq_crm.access.scope import allowed_city_ids
from lq_crm.core import versions
from lq_crm.doctype.region.models import Region
from lq_crm.workflow.engine import role_codes
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

Fixture = Callable[..., Any]
PERMISSION = "notify.change_notification"


def committed() -> None:
    """Run the commit hooks left so far, as the transaction's commit would."""
    for _savepoints, hook, _robust in list(connection.run_on_commit):
        hook()
    assert not versions.changes_pending(memo.VERSION_KEY)


def fresh(user: User) -> User:
    """Return the user as the next request authenticates it: a new object."""
    return User.objects.get(pk=user.pk)


def notify_permission() -> Permission:
    return Permission.objects.get(
        content_type__app_label="notify", codename="change_notification"
    )


def clerk_group() -> Group:
    return Role.objects.get(code="store_clerk").group


def test_second_request_reads_no_permission_rows(
    jinan_clerk: User, django_assert_num_queries: Fixture
) -> None:
    committed()
    assert fresh(jinan_clerk).has_perm("slip.add_purchaseslip")
    assert role_codes(fresh(jinan_clerk)) == {"store_clerk"}
    user = fresh(jinan_clerk)

    with django_assert_num_queries(0):
        assert user.has_perm("slip.add_purchaseslip")
        assert not user.has_perm(PERMISSION)
        assert role_codes(user) == {"store_clerk"}


def test_permission_granted_to_role_is_seen(
    jinan_clerk: User, django_capture_on_commit_callbacks: Fixture
) -> None:
    committed()
    assert not fresh(jinan_clerk).has_perm(PERMISSION)

    with django_capture_on_commit_callbacks(execute=True):
        clerk_group().permissions.add(notify_permission())

    assert fresh(jinan_clerk).has_perm(PERMISSION)


def test_permission_revoked_from_role_is_seen(
    jinan_clerk: User, django_capture_on_commit_callbacks: Fixture
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        clerk_group().permissions.add(notify_permission())
    committed()
    assert fresh(jinan_clerk).has_perm(PERMISSION)

    with django_capture_on_commit_callbacks(execute=True):
        clerk_group().permissions.remove(notify_permission())

    assert not fresh(jinan_clerk).has_perm(PERMISSION)


def test_permission_removed_from_group_side_is_seen(
    jinan_clerk: User, django_capture_on_commit_callbacks: Fixture
) -> None:
    committed()
    assert fresh(jinan_clerk).has_perm("slip.add_purchaseslip")

    with django_capture_on_commit_callbacks(execute=True):
        clerk_group().user_set.remove(jinan_clerk)

    assert not fresh(jinan_clerk).has_perm("slip.add_purchaseslip")


def test_through_row_deleted_seen_after_max_age(
    jinan_clerk: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    committed()
    assert fresh(jinan_clerk).has_perm("slip.add_purchaseslip")
    # Django sends no signal for rows of an automatic through model.
    User.groups.through.objects.filter(user=jinan_clerk).delete()
    assert fresh(jinan_clerk).has_perm("slip.add_purchaseslip")

    monkeypatch.setattr(memo, "MAX_AGE", 0.0)

    assert not fresh(jinan_clerk).has_perm("slip.add_purchaseslip")


def test_role_taken_from_user_is_seen(
    jinan_clerk: User, django_capture_on_commit_callbacks: Fixture
) -> None:
    committed()
    assert fresh(jinan_clerk).has_perm("slip.add_purchaseslip")

    with django_capture_on_commit_callbacks(execute=True):
        jinan_clerk.groups.clear()

    assert not fresh(jinan_clerk).has_perm("slip.add_purchaseslip")
    assert role_codes(fresh(jinan_clerk)) == frozenset()


def test_own_permission_of_user_is_seen(
    jinan_clerk: User, django_capture_on_commit_callbacks: Fixture
) -> None:
    committed()
    assert not fresh(jinan_clerk).has_perm(PERMISSION)

    with django_capture_on_commit_callbacks(execute=True):
        jinan_clerk.user_permissions.add(notify_permission())

    assert fresh(jinan_clerk).has_perm(PERMISSION)


def test_renamed_permission_is_seen(
    jinan_clerk: User, django_capture_on_commit_callbacks: Fixture
) -> None:
    committed()
    assert fresh(jinan_clerk).has_perm("slip.add_purchaseslip")
    permission = Permission.objects.get(
        content_type__app_label="slip", codename="add_purchaseslip"
    )

    with django_capture_on_commit_callbacks(execute=True):
        permission.codename = "add_purchaseslip_renamed"
        permission.save()

    assert not fresh(jinan_clerk).has_perm("slip.add_purchaseslip")


def test_change_not_committed_stays_private(jinan_clerk: User) -> None:
    committed()
    assert not fresh(jinan_clerk).has_perm(PERMISSION)

    clerk_group().permissions.add(notify_permission())
    assert fresh(jinan_clerk).has_perm(PERMISSION)
    clerk_group().permissions.remove(notify_permission())

    assert not fresh(jinan_clerk).has_perm(PERMISSION)


def test_deleted_group_is_seen(
    jinan: Region, django_capture_on_commit_callbacks: Fixture
) -> None:
    user = make_user("temporary-clerk", "store_clerk", [jinan])
    extra = Group.objects.create(name="extra")
    extra.permissions.add(notify_permission())
    user.groups.add(extra)
    committed()
    assert fresh(user).has_perm(PERMISSION)

    with django_capture_on_commit_callbacks(execute=True):
        extra.delete()

    assert not fresh(user).has_perm(PERMISSION)


def test_inactive_user_has_no_permission(jinan_clerk: User) -> None:
    committed()
    assert fresh(jinan_clerk).has_perm("slip.add_purchaseslip")
    User.objects.filter(pk=jinan_clerk.pk).update(is_active=False)

    assert not fresh(jinan_clerk).has_perm("slip.add_purchaseslip")


def test_roles_follow_group_change(
    jinan_clerk: User, django_capture_on_commit_callbacks: Fixture
) -> None:
    committed()
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
    committed()
    assert allowed_city_ids(fresh(jinan_clerk)) == {jinan.pk}

    with django_capture_on_commit_callbacks(execute=True):
        CityScope.objects.get(user=jinan_clerk).cities.set([qingdao])

    assert allowed_city_ids(fresh(jinan_clerk)) == {qingdao.pk}


def test_removed_scope_is_seen(
    jinan_clerk: User, jinan: Region, django_capture_on_commit_callbacks: Fixture
) -> None:
    committed()
    assert allowed_city_ids(fresh(jinan_clerk)) == {jinan.pk}

    with django_capture_on_commit_callbacks(execute=True):
        CityScope.objects.filter(user=jinan_clerk).delete()

    assert allowed_city_ids(fresh(jinan_clerk)) is None


def test_new_scope_is_seen(
    head_office_admin: User, jinan: Region, django_capture_on_commit_callbacks: Fixture
) -> None:
    committed()
    assert allowed_city_ids(fresh(head_office_admin)) is None

    with django_capture_on_commit_callbacks(execute=True):
        scope = CityScope.objects.create(user=head_office_admin)
        scope.cities.set([jinan])

    assert allowed_city_ids(fresh(head_office_admin)) == {jinan.pk}


def test_change_without_signal_seen_after_max_age(
    jinan_clerk: User, jinan: Region, qingdao: Region, monkeypatch: pytest.MonkeyPatch
) -> None:
    committed()
    assert allowed_city_ids(fresh(jinan_clerk)) == {jinan.pk}
    # A queryset update sends no signal, so the token stays as it is.
    CityScope.cities.through.objects.filter(cityscope__user=jinan_clerk).update(
        region=qingdao
    )
    assert allowed_city_ids(fresh(jinan_clerk)) == {jinan.pk}

    monkeypatch.setattr(memo, "MAX_AGE", 0.0)

    assert allowed_city_ids(fresh(jinan_clerk)) == {qingdao.pk}


def test_failed_token_write_is_logged_not_raised(
    jinan_clerk: User,
    django_capture_on_commit_callbacks: Fixture,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    committed()
    assert fresh(jinan_clerk).has_perm("slip.add_purchaseslip")

    def unreachable(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("Redis is restarting")

    monkeypatch.setattr(cache, "set", unreachable)
    with django_capture_on_commit_callbacks(execute=True):
        jinan_clerk.groups.clear()

    assert "Redis is restarting" in caplog.text
    monkeypatch.setattr(memo, "MAX_AGE", 0.0)
    assert not fresh(jinan_clerk).has_perm("slip.add_purchaseslip")
