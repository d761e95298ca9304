"""Create the role groups and give each exactly the permissions listed."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.db import transaction

from lq_crm.access.models import Role

# Apps whose models "*" covers: the project's own, and the accounts.
PROJECT_APP_PREFIXES = ("lq_crm.",)
EXTRA_APPS = ("auth", "authtoken")


def project_models() -> list[str]:
    labels: list[str] = []
    for config in apps.get_app_configs():
        if config.name.startswith(PROJECT_APP_PREFIXES) or config.label in EXTRA_APPS:
            for model in config.get_models():
                if not model.__name__.startswith("Historical"):
                    labels.append(f"{config.label}.{model._meta.model_name}")
    return labels


def permissions_for(spec: dict[str, list[str]]) -> list[Permission]:
    wanted: dict[str, set[str]] = {}
    for label, actions in spec.items():
        targets = project_models() if label == "*" else [label]
        for target in targets:
            wanted.setdefault(target, set()).update(actions)

    found: list[Permission] = []
    for label, model_actions in wanted.items():
        app_label, _dot, model_name = label.partition(".")
        if model_name:
            codenames = [f"{action}_{model_name}" for action in model_actions]
        else:
            # A bare app label lists whole codenames, for permissions that
            # belong to no single model, such as "access: [view_personal_data]".
            codenames = list(model_actions)
        permissions = Permission.objects.filter(
            content_type__app_label=app_label, codename__in=codenames
        )
        missing = set(codenames) - {permission.codename for permission in permissions}
        if missing and label in spec:
            raise ValueError(
                f"Role fixture names unknown permissions: {sorted(missing)}"
            )
        found.extend(permissions.select_related("content_type"))
    return found


def permission_key(permission: Permission) -> str:
    return f"{permission.content_type.app_label}.{permission.codename}"


def merged_permissions(
    role: Role, current: list[Permission], wanted: list[Permission]
) -> list[Permission]:
    """Apply the fixture's changes since the last sync to the group's permissions.

    A permission the fixture added since then is granted and one it dropped
    is revoked; every other permission keeps what admins set in the desk.
    A role synced before this record existed is set to the fixture exactly.
    """
    if role.fixture_permissions is None:
        return wanted

    previous = set(role.fixture_permissions)
    wanted_keys = {permission_key(permission) for permission in wanted}
    dropped = previous - wanted_keys
    kept = [p for p in current if permission_key(p) not in dropped]
    added = [p for p in wanted if permission_key(p) not in previous]
    return list({p.pk: p for p in [*kept, *added]}.values())


@transaction.atomic
def load_roles(roles: dict[str, dict[str, Any]]) -> int:
    for code, role_spec in roles.items():
        wanted = permissions_for(role_spec["permissions"])
        role = Role.objects.filter(code=code).select_related("group").first()
        if role is None:
            group, _created = Group.objects.get_or_create(name=role_spec["name"])
            role = Role.objects.create(code=code, group=group, fixture_permissions=[])
            group.permissions.set(wanted)
        else:
            current = list(role.group.permissions.select_related("content_type"))
            role.group.permissions.set(merged_permissions(role, current, wanted))

        role.fixture_permissions = sorted(permission_key(p) for p in wanted)
        role.save(update_fields=["fixture_permissions"])
    return len(roles)
