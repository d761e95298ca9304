"""The permission matrix page: who may open it, saving, and fixture syncs."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission, User

from lq_crm.access.fixtures import load_roles
from lq_crm.access.matrix import checkbox_name
from lq_crm.access.models import Role
from lq_crm.core.fixtures import read_yaml
from tests.access.conftest import World, client_for

pytestmark = pytest.mark.django_db

MATRIX = "/desk/access/role/matrix/"


@pytest.fixture
def superuser(db: None) -> User:
    return User.objects.create_superuser("root-admin", password="secret-pass-1")


def checked_boxes(response) -> dict[str, str]:
    """Return the form data that re-submits the page as shown."""
    return {
        cell.name: "on"
        for section in response.context["sections"]
        for row in section.rows
        for cell in row.cells
        if cell.checked
    }


def permission(app_label: str, codename: str) -> Permission:
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def test_matrix_lists_roles_models_and_actions(superuser: User) -> None:
    response = client_for(superuser).get(MATRIX)

    assert response.status_code == 200
    assert len(response.context["roles"]) == Role.objects.count()
    actions = {
        (row.permission.content_type.model, row.action)
        for section in response.context["sections"]
        for row in section.rows
    }
    assert ("purchaseslip", "submit") in actions
    assert ("purchaseslip", "cancel") in actions
    assert ("event", "draw") in actions
    assert ("registration", "checkin") in actions
    assert ("member", "delete") in actions
    assert ("role", "view_personal_data") in actions


def test_matrix_refused_without_change_group(
    jinan_clerk: User, head_office_admin: User
) -> None:
    assert client_for(jinan_clerk).get(MATRIX).status_code == 403
    assert client_for(head_office_admin).get(MATRIX).status_code == 403


def test_matrix_opens_with_change_group(jinan_clerk: User) -> None:
    jinan_clerk.user_permissions.add(permission("auth", "change_group"))

    assert client_for(jinan_clerk).get(MATRIX).status_code == 200


def test_matrix_post_refused_without_change_group(jinan_clerk: User) -> None:
    clerk_role = Role.objects.get(code="store_clerk")
    change_member = permission("member", "change_member")

    response = client_for(jinan_clerk).post(
        MATRIX, {checkbox_name(clerk_role.pk, change_member.pk): "on"}
    )

    assert response.status_code == 403
    assert not clerk_role.group.permissions.filter(pk=change_member.pk).exists()


def test_saved_permission_applies_at_once(
    world: World, superuser: User, jinan_clerk: User
) -> None:
    admin_client = client_for(superuser)
    clerk_client = client_for(jinan_clerk)
    clerk_role = Role.objects.get(code="store_clerk")
    view_store = permission("store", "view_store")
    change_member = permission("member", "change_member")
    data = checked_boxes(admin_client.get(MATRIX))
    data[checkbox_name(clerk_role.pk, change_member.pk)] = "on"
    del data[checkbox_name(clerk_role.pk, view_store.pk)]
    store_url = f"/desk/store/store/{world.jinan.store.pk}/change/"
    assert clerk_client.get(store_url).status_code == 200
    assert not jinan_clerk.has_perm("member.change_member")

    response = admin_client.post(MATRIX, data)

    assert response.status_code == 302
    clerk = User.objects.get(pk=jinan_clerk.pk)
    assert clerk.has_perm("member.change_member")
    assert not clerk.has_perm("store.view_store")
    assert clerk_client.get(store_url).status_code == 403
    other_role = Role.objects.get(code="head_office")
    assert other_role.group.permissions.filter(pk=view_store.pk).exists()


def test_resubmitted_matrix_changes_nothing(superuser: User) -> None:
    admin_client = client_for(superuser)
    before = {
        role.code: set(role.group.permissions.values_list("pk", flat=True))
        for role in Role.objects.select_related("group")
    }

    admin_client.post(MATRIX, checked_boxes(admin_client.get(MATRIX)))

    after = {
        role.code: set(role.group.permissions.values_list("pk", flat=True))
        for role in Role.objects.select_related("group")
    }
    assert after == before


def test_fixture_sync_keeps_matrix_changes(db: None) -> None:
    clerk_group = Role.objects.get(code="store_clerk").group
    change_member = permission("member", "change_member")
    view_store = permission("store", "view_store")
    clerk_group.permissions.add(change_member)
    clerk_group.permissions.remove(view_store)

    load_roles(read_yaml("roles.yaml"))

    assert clerk_group.permissions.filter(pk=change_member.pk).exists()
    assert not clerk_group.permissions.filter(pk=view_store.pk).exists()


def test_fixture_sync_applies_fixture_changes(db: None) -> None:
    roles = read_yaml("roles.yaml")
    clerk_group = Role.objects.get(code="store_clerk").group
    roles["store_clerk"]["permissions"]["member.member"] = ["view"]
    roles["store_clerk"]["permissions"]["region.region"] = ["view"]

    load_roles(roles)

    assert not clerk_group.permissions.filter(
        pk=permission("member", "add_member").pk
    ).exists()
    assert clerk_group.permissions.filter(
        pk=permission("region", "view_region").pk
    ).exists()
