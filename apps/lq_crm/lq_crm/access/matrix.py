"""Build and save the role × document type × action permission matrix."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from lq_crm.access.models import Role

logger = logging.getLogger(__name__)

PROJECT_APP_PREFIX = "lq_crm."
DEFAULT_ACTIONS = ("view", "add", "change", "delete")
ACTION_LABELS: dict[str, Promise] = {
    "view": _("view"),
    "add": _("add"),
    "change": _("change"),
    "delete": _("delete"),
    "submit": _("submit"),
    "cancel": _("cancel"),
    "draw": _("draw"),
    "checkin": _("check in"),
    "view_personal_data": _("view personal data"),
}


@dataclass
class MatrixCell:
    """The checkbox of one role for one row."""

    name: str
    checked: bool


@dataclass
class MatrixRow:
    """One action on one document type, with a checkbox per role."""

    permission: Permission
    action: str
    label: Promise | str
    cells: list[MatrixCell] = field(default_factory=list)


@dataclass
class MatrixSection:
    """A document type and the rows of its actions."""

    title: str
    rows: list[MatrixRow]


def action_of(permission: Permission, model_name: str) -> str:
    """Return ``submit`` for ``submit_purchaseslip``; other codenames stay whole."""
    suffix = f"_{model_name}"
    if permission.codename.endswith(suffix):
        return permission.codename[: -len(suffix)]
    return permission.codename


def action_order(action: str) -> tuple[int, str]:
    if action in DEFAULT_ACTIONS:
        return DEFAULT_ACTIONS.index(action), action
    return len(DEFAULT_ACTIONS), action


def build_matrix(roles: list[Role]) -> list[MatrixSection]:
    """List every project model's permissions with a checkbox per role, in order."""
    role_ids_by_permission: dict[int, set[int]] = {}
    for role in roles:
        for permission_id in role.group.permissions.values_list("pk", flat=True):
            role_ids_by_permission.setdefault(permission_id, set()).add(role.pk)

    sections: list[MatrixSection] = []
    for config in apps.get_app_configs():
        if not config.name.startswith(PROJECT_APP_PREFIX):
            continue
        for model in config.get_models():
            if model.__name__.startswith("Historical"):
                continue
            section = model_section(model, roles, role_ids_by_permission)
            if section.rows:
                sections.append(section)
    return sections


def model_section(
    model: type, roles: list[Role], role_ids_by_permission: Mapping[int, set[int]]
) -> MatrixSection:
    content_type = ContentType.objects.get_for_model(model)
    meta = model._meta  # type: ignore[attr-defined]
    rows = []
    for permission in Permission.objects.filter(content_type=content_type):
        action = action_of(permission, meta.model_name)
        holders = role_ids_by_permission.get(permission.pk, set())
        cells = [
            MatrixCell(checkbox_name(role.pk, permission.pk), role.pk in holders)
            for role in roles
        ]
        label = ACTION_LABELS.get(action, permission.name)
        rows.append(MatrixRow(permission, action, label, cells))
    rows.sort(key=lambda row: action_order(row.action))
    return MatrixSection(title=str(meta.verbose_name_plural), rows=rows)


def checkbox_name(role_id: int, permission_id: int) -> str:
    return f"perm-{role_id}-{permission_id}"


@transaction.atomic
def save_matrix(
    roles: Iterable[Role],
    sections: list[MatrixSection],
    checked: set[str],
    user_id: int | None,
) -> int:
    """Set each role's matrix permissions to the checked boxes; return roles changed.

    Permissions outside the matrix (such as those of the accounts) are kept.
    """
    matrix_ids = {row.permission.pk for section in sections for row in section.rows}
    changed = 0
    for role in roles:
        group = role.group
        current = set(group.permissions.values_list("pk", flat=True))
        chosen = {pk for pk in matrix_ids if checkbox_name(role.pk, pk) in checked}
        wanted = (current - matrix_ids) | chosen
        if wanted == current:
            continue

        group.permissions.set(wanted)
        changed += 1
        logger.info(
            "Permission matrix: user %s set role %s, %s granted, %s revoked",
            user_id,
            role.code,
            len(wanted - current),
            len(current - wanted),
        )
    return changed
