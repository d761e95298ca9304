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
        app_label, model_name = label.split(".")
        codenames = [f"{action}_{model_name}" for action in model_actions]
        permissions = Permission.objects.filter(
            content_type__app_label=app_label, codename__in=codenames
        )
        missing = set(codenames) - {permission.codename for permission in permissions}
        if missing and label in spec:
            raise ValueError(
                f"Role fixture names unknown permissions: {sorted(missing)}"
            )
        found.extend(permissions)
    return found


@transaction.atomic
def load_roles(roles: dict[str, dict[str, Any]]) -> int:
    for code, role in roles.items():
        existing = Role.objects.filter(code=code).select_related("group").first()
        if existing is None:
            group, _created = Group.objects.get_or_create(name=role["name"])
            Role.objects.create(code=code, group=group)
        else:
            group = existing.group
        group.permissions.set(permissions_for(role["permissions"]))
    return len(roles)
