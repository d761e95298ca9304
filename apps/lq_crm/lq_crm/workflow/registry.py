"""Read workflow definitions through the shared cache, fresh in every process.

Definitions are read on every transition, so they are kept as plain frozen
snapshots in the Django cache (Redis in production) and in a per-process memo.
Both are keyed by a version token stored in the cache. Saving or deleting a
workflow, state or transition replaces the token once the transaction
commits, so the next read in any web or worker process misses both and
rebuilds from the database. The token is random rather than a counter, so a
flushed cache can never bring back a token that an old memo still holds.

Inside a transaction that changed definitions, reads bypass both caches until
the transaction ends, so the change is visible to its own transaction but is
never cached for others before it commits.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save

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


# The functions below take the cache key of the version token, so that other
# per-process caches of rarely changing rows (lq_crm.doctype.club.reference)
# are invalidated the same way under a key of their own.


def current_version(key: str = VERSION_KEY) -> str:
    version = cache.get(key)
    if version is None:
        cache.add(key, uuid.uuid4().hex, timeout=None)
        version = cache.get(key)
    return str(version)


def bump_version(key: str = VERSION_KEY) -> None:
    """Make every process read the rows behind ``key`` from the database again."""
    cache.set(key, uuid.uuid4().hex, timeout=None)


class PendingBump:
    """The commit hook of a transaction that changed the rows behind ``key``."""

    def __init__(self, key: str = VERSION_KEY) -> None:
        self.key = key
        self.done = False

    def __call__(self) -> None:
        bump_version(self.key)
        self.done = True


def pending_bumps(key: str = VERSION_KEY) -> list[PendingBump]:
    # Django drops a transaction's hooks when it rolls back, and a savepoint's
    # hooks when the savepoint rolls back, so a hook still in this list means
    # the open transaction has uncommitted changes.
    hooks = [entry[1] for entry in connection.run_on_commit]
    return [
        hook
        for hook in hooks
        if isinstance(hook, PendingBump) and hook.key == key and not hook.done
    ]


def schedule_bump(key: str = VERSION_KEY) -> None:
    """Replace the version token ``key`` once the current transaction commits."""
    if connection.in_atomic_block and pending_bumps(key):
        return

    transaction.on_commit(PendingBump(key))


def mark_changed(**kwargs: Any) -> None:
    """Invalidate the cached definitions once the current transaction commits."""
    schedule_bump(VERSION_KEY)


def changes_pending(key: str = VERSION_KEY) -> bool:
    return connection.in_atomic_block and bool(pending_bumps(key))


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
    if changes_pending():
        return build_definition(model)

    version = current_version()
    memoised = memo.get(label)
    if memoised is not None and memoised[0] == version:
        return memoised[1]

    key = f"workflow:definition:{version}:{label}"
    cached = cache.get(key)
    if cached is not None:
        definition = cached or None
    else:
        definition = build_definition(model)
        # An empty tuple records "no workflow", which cache.get cannot tell
        # from a miss if stored as None.
        cache.set(key, definition or (), timeout=DEFINITION_TIMEOUT)

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
