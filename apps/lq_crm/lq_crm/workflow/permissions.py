"""Keep a transition's roles and the permission of the same name in step.

The "cancel" transition of slip.purchaseslip and the permission
``slip.cancel_purchaseslip`` describe one right, and the desk edits it in two
places: the workflow's roles editor and the permission matrix. The workflow
engine decides, and each change made in either place is copied to the other.
Adding or removing a role on a transition grants or revokes the permission
``<action>_<model>`` for the role's group. Granting or revoking that
permission adds or removes the role on the transition. A transition changed
from the matrix is marked customised, so that loading the shipped
definitions keeps the change.

Only changes are copied, never whole sets, so a right that the shipped files
give in one place only (the member role's "cancel" of registrations, meant for
the member portal) is left as it is. Loading the shipped workflows copies
nothing for the same reason. Users' own permissions, outside any role, do not
take part, because the engine checks roles only.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db.models.signals import m2m_changed

from lq_crm.access.models import Role
from lq_crm.workflow.models import WorkflowTransition

logger = logging.getLogger(__name__)

# Set while this module copies a change, so that the copy's own signal is not
# copied back, and while the shipped workflows load.
state = threading.local()


@contextmanager
def copying_paused() -> Iterator[None]:
    """Change roles or permissions without copying the change to the other side."""
    previous = getattr(state, "paused", False)
    state.paused = True
    try:
        yield
    finally:
        state.paused = previous


def is_paused() -> bool:
    return bool(getattr(state, "paused", False))


def permission_of(transition: WorkflowTransition) -> Permission | None:
    """Return the permission ``<action>_<model>`` of the transition's document type."""
    content_type = transition.workflow.document_type
    codename = f"{transition.action}_{content_type.model}"
    return Permission.objects.filter(
        content_type=content_type, codename=codename
    ).first()


def transitions_of(permission: Permission) -> list[WorkflowTransition]:
    """Return the transitions that ``permission`` names, usually none or one."""
    suffix = f"_{permission.content_type.model}"
    if not permission.codename.endswith(suffix):
        return []

    action = permission.codename[: -len(suffix)]
    return list(
        WorkflowTransition.objects.filter(
            workflow__document_type=permission.content_type, action=action
        )
    )


def copy_role_change(
    transition: WorkflowTransition, roles: list[Role], granted: bool
) -> None:
    """Grant or revoke the transition's permission for the roles' groups."""
    permission = permission_of(transition)
    if permission is None or not roles:
        return

    with copying_paused():
        for role in roles:
            if granted:
                role.group.permissions.add(permission)
            else:
                role.group.permissions.remove(permission)
    logger.info(
        "Workflow transition %s %s: permission %s %s for roles %s",
        transition.pk,
        transition.action,
        permission.codename,
        "granted" if granted else "revoked",
        ", ".join(role.code for role in roles),
    )


def copy_permission_change(
    group: Group, permissions: list[Permission], granted: bool
) -> None:
    """Add or remove the group's role on the transitions the permissions name."""
    role = Role.objects.filter(group=group).first()
    if role is None:
        return

    with copying_paused():
        for permission in permissions:
            for transition in transitions_of(permission):
                if granted:
                    transition.roles.add(role)
                else:
                    transition.roles.remove(role)
                WorkflowTransition.objects.filter(pk=transition.pk).update(
                    customised=True
                )
                logger.info(
                    "Permission %s %s for role %s: workflow transition %s %s",
                    permission.codename,
                    "granted" if granted else "revoked",
                    role.code,
                    transition.pk,
                    transition.action,
                )


def changed_ids(instance: Any, action: str, pk_set: set[int] | None) -> set[int]:
    """Return the ids a post_add, post_remove or post_clear signal concerns.

    A clear sends no ids, so pre_clear keeps the current ids on the instance.
    """
    if action == "post_clear":
        return getattr(instance, "_workflow_cleared_ids", set())
    return set(pk_set or ())


def roles_changed(
    instance: Any,
    action: str,
    pk_set: set[int] | None,
    **kwargs: Any,
) -> None:
    """Copy roles added to or removed from a transition to the permissions.

    Roles have no reverse accessor to transitions (``related_name="+"``), so
    the signal always comes from the transition's side.
    """
    if is_paused():
        return
    if action == "pre_clear":
        instance._workflow_cleared_ids = set(
            instance.roles.values_list("pk", flat=True)
        )
        return
    if action not in {"post_add", "post_remove", "post_clear"}:
        return

    ids = changed_ids(instance, action, pk_set)
    roles = list(Role.objects.filter(pk__in=ids).select_related("group"))
    copy_role_change(instance, roles, granted=action == "post_add")


def permissions_changed(
    instance: Any,
    action: str,
    reverse: bool,
    pk_set: set[int] | None,
    **kwargs: Any,
) -> None:
    """Copy permissions granted to or revoked from a role group to the transitions."""
    if is_paused():
        return
    if action == "pre_clear":
        related = instance.group_set if reverse else instance.permissions
        instance._workflow_cleared_ids = set(related.values_list("pk", flat=True))
        return
    if action not in {"post_add", "post_remove", "post_clear"}:
        return

    granted = action == "post_add"
    ids = changed_ids(instance, action, pk_set)
    if reverse:
        for group in Group.objects.filter(pk__in=ids):
            copy_permission_change(group, [instance], granted)
    else:
        permissions = Permission.objects.filter(pk__in=ids).select_related(
            "content_type"
        )
        copy_permission_change(instance, list(permissions), granted)


def connect_signals() -> None:
    m2m_changed.connect(
        roles_changed,
        sender=WorkflowTransition.roles.through,
        dispatch_uid="workflow-roles-to-permissions",
    )
    m2m_changed.connect(
        permissions_changed,
        sender=Group.permissions.through,
        dispatch_uid="workflow-permissions-to-roles",
    )
