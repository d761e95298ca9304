"""Load the shipped workflow definitions from ``definitions/*.yaml``.

Each file is the default for one workflow. Loading creates what is missing
and resets every row that the desk has not customised to the file's values.
A customised row (one saved in the desk) is kept as the admin left it. States and
transitions that exist only in the desk are kept too. The workflow row's own
``customised`` flag covers its name and which state is initial.

A workflow whose document type is not installed yet is skipped with a
warning and loaded by a later run. A file that contradicts its model or
names an unknown role raises WorkflowDefinitionError, so that a broken
definition never loads half-way.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import yaml
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction

from lq_crm.access.models import Role
from lq_crm.workflow.conditions import ConditionError, field_names, validate_condition
from lq_crm.workflow.models import Workflow, WorkflowState, WorkflowTransition
from lq_crm.workflow.permissions import copying_paused

logger = logging.getLogger(__name__)

DEFINITIONS_DIR = Path(__file__).resolve().parent / "definitions"
SYSTEM_ROLE = "system"


class WorkflowDefinitionError(ValueError):
    """A definition file that cannot be loaded, naming the file and the fault."""


def load_workflows(directory: Path = DEFINITIONS_DIR) -> int:
    """Load every definition in ``directory`` and return how many were loaded.

    Roles set from the files are not copied to the role groups' permissions,
    because roles.yaml sets those (see lq_crm.workflow.permissions).
    """
    with copying_paused():
        return load_all(directory)


def load_all(directory: Path) -> int:
    loaded = 0
    for path in sorted(directory.glob("*.yaml")):
        spec = read_definition(path)
        try:
            model = apps.get_model(spec["document_type"])
        except (LookupError, ValueError):
            logger.warning(
                "Workflow %s skipped: document type %s is not installed",
                spec["code"],
                spec["document_type"],
            )
            continue

        check_definition(spec, model, path)
        if load_workflow(spec, model):
            loaded += 1
    return loaded


def read_definition(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as file:
        spec = yaml.safe_load(file)

    required = {"code", "name", "document_type", "state_field", "initial", "states"}
    missing = required - set(spec or {})
    if missing:
        raise WorkflowDefinitionError(
            f"{path.name}: missing keys {sorted(missing)}; every workflow needs "
            f"{sorted(required)} and may list transitions."
        )

    spec.setdefault("transitions", [])
    for transition in spec["transitions"]:
        source = transition.get("from")
        transition["from"] = [source] if isinstance(source, str) else source or []
        transition.setdefault("roles", [])
        transition.setdefault("condition", "")
    return spec


def check_definition(
    spec: dict[str, Any], model: type[models.Model], path: Path
) -> None:
    """Raise WorkflowDefinitionError when ``spec`` does not fit ``model``."""

    def fail(message: str) -> WorkflowDefinitionError:
        return WorkflowDefinitionError(f"{path.name}: {message}")

    try:
        field = model._meta.get_field(spec["state_field"])
    except FieldDoesNotExist:
        raise fail(
            f"{model._meta.label} has no field {spec['state_field']!r} for the state."
        ) from None

    codes = [state["code"] for state in spec["states"]]
    if len(set(codes)) != len(codes):
        raise fail(f"state codes repeat: {codes}.")
    if spec["initial"] not in codes:
        raise fail(f"initial state {spec['initial']!r} is not among {codes}.")

    choices = {str(value) for value, _label in getattr(field, "flatchoices", [])}
    if choices and not set(codes) <= choices:
        raise fail(
            f"states {sorted(set(codes) - choices)} are not choices of "
            f"{model._meta.label}.{field.name} ({sorted(choices)})."
        )

    check_transitions(spec, model, fail)


def check_transitions(
    spec: dict[str, Any], model: type[models.Model], fail: Any
) -> None:
    codes = {state["code"] for state in spec["states"]}
    final = {state["code"] for state in spec["states"] if state.get("final")}
    known_roles = set(Role.objects.values_list("code", flat=True)) | {SYSTEM_ROLE}
    actions: set[str] = set()
    for transition in spec["transitions"]:
        action = transition["action"]
        if action in actions:
            raise fail(f"action {action!r} appears twice.")
        actions.add(action)

        states = {*transition["from"], transition["to"]}
        if not transition["from"] or not states <= codes:
            raise fail(
                f"action {action!r} names unknown states {sorted(states - codes)}."
            )
        # An action that keeps a final state (amending a cancelled slip) is
        # allowed, because the document does not leave it.
        keeps_state = transition["from"] == [transition["to"]]
        if final & set(transition["from"]) and not keeps_state:
            raise fail(f"action {action!r} leaves the final states {sorted(final)}.")

        unknown_roles = set(transition["roles"]) - known_roles
        if unknown_roles:
            raise fail(
                f"action {action!r} names unknown roles {sorted(unknown_roles)}; "
                "load the roles fixture first."
            )

        try:
            validate_condition(transition["condition"] or "True", field_names(model))
        except ConditionError as error:
            raise fail(f"action {action!r}: {error}") from None


@transaction.atomic
def load_workflow(spec: dict[str, Any], model: type[models.Model]) -> bool:
    """Write one checked definition; return False if another workflow owns the type."""
    content_type = ContentType.objects.get_for_model(model)
    other = Workflow.objects.filter(document_type=content_type).exclude(
        code=spec["code"]
    )
    if other.exists():
        logger.warning(
            "Workflow %s skipped: %s already follows workflow %s from the desk",
            spec["code"],
            content_type.model_class()._meta.label_lower,  # type: ignore[union-attr]
            other.get().code,
        )
        return False

    workflow, created = Workflow.objects.get_or_create(
        code=spec["code"],
        defaults={
            "name": spec["name"],
            "document_type": content_type,
            "state_field": spec["state_field"],
        },
    )
    update_if_changed(
        workflow, document_type=content_type, state_field=spec["state_field"]
    )
    if not workflow.customised:
        update_if_changed(workflow, name=spec["name"])

    states = load_states(workflow, spec)
    for position, transition in enumerate(spec["transitions"]):
        load_transition(workflow, transition, position, states)

    logger.info(
        "Workflow %s %s with %d states and %d transitions",
        workflow.code,
        "created" if created else "loaded",
        len(spec["states"]),
        len(spec["transitions"]),
    )
    return True


def load_states(workflow: Workflow, spec: dict[str, Any]) -> dict[str, WorkflowState]:
    states = {state.code: state for state in workflow.states.all()}
    for position, row in enumerate(spec["states"]):
        values = {
            "label": row.get("label", row["code"]),
            "final": bool(row.get("final", False)),
            "position": position,
        }
        state = states.get(row["code"])
        if state is None:
            states[row["code"]] = WorkflowState.objects.create(
                workflow=workflow, code=row["code"], **values
            )
        elif not state.customised:
            update_if_changed(state, **values)

    if not workflow.customised:
        for code, state in states.items():
            update_if_changed(state, initial=code == spec["initial"])
    return states


def load_transition(
    workflow: Workflow,
    row: dict[str, Any],
    position: int,
    states: dict[str, WorkflowState],
) -> None:
    values = {
        "label": row.get("label", row["action"]),
        "to_state": states[row["to"]],
        "allow_system": SYSTEM_ROLE in row["roles"],
        "condition": row["condition"] or "",
        "enabled": True,
        "position": position,
    }
    transition = WorkflowTransition.objects.filter(
        workflow=workflow, action=row["action"]
    ).first()
    if transition is None:
        transition = WorkflowTransition.objects.create(
            workflow=workflow, action=row["action"], **values
        )
    elif transition.customised:
        return
    else:
        update_if_changed(transition, **values)

    from_states = {states[code] for code in row["from"]}
    if set(transition.from_states.all()) != from_states:
        transition.from_states.set(from_states)

    roles = set(Role.objects.filter(code__in=row["roles"]))
    if set(transition.roles.all()) != roles:
        transition.roles.set(roles)


def update_if_changed(row: models.Model, **values: Any) -> None:
    """Save only the fields whose values differ, so a repeated load writes nothing.

    Every save of a definition row invalidates the shared cache, so skipping
    no-op saves keeps ``sync_fixtures`` from emptying it on every deploy.
    """
    changed = [name for name, value in values.items() if getattr(row, name) != value]
    if not changed:
        return

    for name in changed:
        setattr(row, name, values[name])
    row.save(update_fields=changed)
