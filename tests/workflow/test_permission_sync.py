"""A transition's roles and the permission of the same name stay in step."""

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client

from lq_crm.access.matrix import build_matrix, checkbox_name, save_matrix
from lq_crm.access.models import Role
from lq_crm.workflow.fixtures import load_workflows
from lq_crm.workflow.models import WorkflowTransition

from .conftest import change_form_data, slip_transition, transition_field

pytestmark = pytest.mark.django_db


def cancel_permission() -> Permission:
    return Permission.objects.get(
        content_type__app_label="slip", codename="cancel_purchaseslip"
    )


def role(code: str) -> Role:
    return Role.objects.select_related("group").get(code=code)


def cancel_roles() -> set[str]:
    return set(slip_transition("cancel").roles.values_list("code", flat=True))


def test_removing_role_revokes_permission() -> None:
    clerk = role("store_clerk")
    assert clerk.group.permissions.filter(pk=cancel_permission().pk).exists()

    slip_transition("cancel").roles.remove(clerk)

    assert not clerk.group.permissions.filter(pk=cancel_permission().pk).exists()


def test_adding_role_grants_permission() -> None:
    office = role("regional_office")
    assert not office.group.permissions.filter(pk=cancel_permission().pk).exists()

    slip_transition("cancel").roles.add(office)

    assert office.group.permissions.filter(pk=cancel_permission().pk).exists()


def test_clearing_roles_revokes_every_permission() -> None:
    slip_transition("cancel").roles.clear()

    holders = cancel_permission().group_set.values_list("role__code", flat=True)
    assert list(holders) == []


def test_revoking_permission_removes_role() -> None:
    clerk = role("store_clerk")

    clerk.group.permissions.remove(cancel_permission())

    assert "store_clerk" not in cancel_roles()
    assert slip_transition("cancel").customised is True


def test_reverse_grant_adds_role() -> None:
    cancel_permission().group_set.add(role("regional_office").group)

    assert "regional_office" in cancel_roles()


def test_permission_without_transition_ignored() -> None:
    clerk = role("store_clerk")
    view = Permission.objects.get(
        content_type__app_label="slip", codename="view_purchaseslip"
    )
    before = list(WorkflowTransition.objects.values_list("pk", "customised"))

    clerk.group.permissions.remove(view)

    assert list(WorkflowTransition.objects.values_list("pk", "customised")) == before
    assert "store_clerk" in cancel_roles()


def test_matrix_save_updates_transition() -> None:
    roles = list(Role.objects.select_related("group").order_by("pk"))
    sections = build_matrix(roles)
    checked = {
        cell.name
        for section in sections
        for row in section.rows
        for cell in row.cells
        if cell.checked
    }
    clerk = role("store_clerk")
    checked.remove(checkbox_name(clerk.pk, cancel_permission().pk))

    save_matrix(roles, sections, checked, user_id=None)

    assert "store_clerk" not in cancel_roles()
    assert "service_centre" in cancel_roles()


def test_workflow_desk_edit_updates_permission(client: Client) -> None:
    root = User.objects.create_superuser("root", password="secret-pass-1")
    client.force_login(root)
    workflow = slip_transition("cancel").workflow
    url = f"/desk/workflow/workflow/{workflow.pk}/change/"
    data = change_form_data(client.get(url))
    field = transition_field(data, "cancel", "roles")
    data[field] = [str(role("head_office").pk)]

    response = client.post(url, {**data, "_save": "Save"})

    assert response.status_code == 302, response.content.decode()[-3000:]
    assert cancel_roles() == {"head_office"}
    clerk = role("store_clerk")
    assert not clerk.group.permissions.filter(pk=cancel_permission().pk).exists()
    assert (
        role("head_office").group.permissions.filter(pk=cancel_permission().pk).exists()
    )


def test_loading_definitions_copies_nothing() -> None:
    member = role("member")
    cancel = WorkflowTransition.objects.get(
        workflow__code="trip_registration", action="cancel"
    )
    cancel.roles.remove(member)
    assert not member.group.permissions.filter(codename="cancel_registration").exists()

    load_workflows()

    assert "member" in set(cancel.roles.values_list("code", flat=True))
    assert not member.group.permissions.filter(codename="cancel_registration").exists()
