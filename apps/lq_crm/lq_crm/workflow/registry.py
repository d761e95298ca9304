"""Read workflow definitions through the shared cache, fresh in every process.

Definitions are read on every transition, so they are kept as plain frozen
snapshots in the Django cache (Redis in production) and in a per-process memo,
both keyed by the version token ``VERSION_KEY`` (see lq_crm.core.versions).
Saving or deleting a workflow, state or transition replaces the token once
the transaction commits, so the next read in any web or worker process
rebuilds from the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save

from lq_crm.core import versions
from lq_crm.workflow.models import Workflow, WorkflowState, WorkflowTransition

VERSION_KEY = "workflow:version"
DEFINITION_TIMEOUT = 24 * 3600


@dataclass(frozen=True)
class State:
    code: str
    label: str
    initial: bool
    final: bool


@dataclass(frozen=True)
class Transition:
    """A transition as the engine applies it; roles are access.Role codes."""

    action: str
    label: str
    from_states: frozenset[str]
    to_state: str
    role_codes: frozenset[str]
    allow_system: bool
    condition: str


@dataclass(frozen=True)
class WorkflowDefinition:
    pk: int
    code: str
    name: str
    state_field: str
    states: tuple[State, ...]
    transitions: tuple[Transition, ...]

    @property
    def initial_state(self) -> str | None:
        return next((state.code for state in self.states if state.initial), None)

    def transition(self, action: str) -> Transition | None:
        return next((t for t in self.transitions if t.action == action), None)

    def state_label(self, code: str) -> str:
        return next((state.label for state in self.states if state.code == code), code)


# Document type label -> (version token, definition or None). Shared by the
# threads of one process; a dict assignment is atomic, so no lock is needed.
memo: dict[str, tuple[str, WorkflowDefinition | None]] = {}


def bump_version() -> None:
    """Make every process read workflow definitions from the database again."""
    versions.bump_version(VERSION_KEY)


def mark_changed(**kwargs: Any) -> None:
    """Invalidate the cached definitions once the current transaction commits."""
    versions.schedule_bump(VERSION_KEY)


def connect_signals() -> None:
    for model in (Workflow, WorkflowState, WorkflowTransition):
        post_save.connect(mark_changed, sender=model, dispatch_uid=f"wf-save-{model}")
        post_delete.connect(
            mark_changed, sender=model, dispatch_uid=f"wf-delete-{model}"
        )
    for through in (
        WorkflowTransition.roles.through,
        WorkflowTransition.from_states.through,
    ):
        m2m_changed.connect(
            mark_changed, sender=through, dispatch_uid=f"wf-m2m-{through}"
        )


def model_label(model: type[Model]) -> str:
    return model._meta.label_lower


def get_definition(model: type[Model]) -> WorkflowDefinition | None:
    """Return the workflow of ``model``, or None when it has none."""
    if model._meta.proxy and model._meta.concrete_model is not None:
        model = model._meta.concrete_model
    label = model_label(model)
    if versions.changes_pending(VERSION_KEY):
        return build_definition(model)

    version = versions.current_version(VERSION_KEY)
    memoised = memo.get(label)
    if memoised is not None and memoised[0] == version:
        return memoised[1]

    key = f"workflow:definition:{version}:{label}"
    cached = versions.shared_get(key)
    if cached is not None:
        definition = cached or None
    else:
        definition = build_definition(model)
        # An empty tuple records "no workflow", which cache.get cannot tell
        # from a miss if stored as None.
        versions.shared_set(key, definition or (), timeout=DEFINITION_TIMEOUT)

    memo[label] = (version, definition)
    return definition


def build_definition(model: type[Model]) -> WorkflowDefinition | None:
    content_type = ContentType.objects.get_for_model(model)
    workflow = Workflow.objects.filter(document_type=content_type).first()
    if workflow is None:
        return None

    states = tuple(
        State(
            code=state.code, label=state.label, initial=state.initial, final=state.final
        )
        for state in workflow.states.all()
    )
    transitions = tuple(
        Transition(
            action=row.action,
            label=row.label,
            from_states=frozenset(state.code for state in row.from_states.all()),
            to_state=row.to_state.code,
            role_codes=frozenset(role.code for role in row.roles.all()),
            allow_system=row.allow_system,
            condition=row.condition.strip(),
        )
        for row in workflow.transitions.filter(enabled=True)
        .select_related("to_state")
        .prefetch_related("from_states", "roles")
    )
    return WorkflowDefinition(
        pk=workflow.pk,
        code=workflow.code,
        name=workflow.name,
        state_field=workflow.state_field,
        states=states,
        transitions=transitions,
    )
