"""Move documents between the states of their workflow.

``apply_transition`` is the one way to change a document's workflow state: it
locks the document's row, checks the transition, the user's roles and the
condition, saves the new state and writes a TransitionLog row, all in one
transaction. Callers may already hold a transaction and other locks.

A transition that no role may take (only "system") is kept for background
jobs: superusers are rejected too, because such steps (seat allocation, a
card's activation by its first slip) have effects that only their job applies.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, TypeVar

from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext as _

from lq_crm.access.memo import remembered
from lq_crm.access.models import Role
from lq_crm.core.users import Actor, actor_id
from lq_crm.workflow.conditions import ConditionError, evaluate_condition
from lq_crm.workflow.models import TransitionLog
from lq_crm.workflow.registry import Transition, WorkflowDefinition, get_definition

__all__ = [
    "REJECTED_CONDITION",
    "REJECTED_ROLE",
    "REJECTED_STATE",
    "REJECTED_UNKNOWN_ACTION",
    "Transition",
    "TransitionError",
    "WorkflowNotFound",
    "apply_transition",
    "available_actions",
    "check_action",
    "check_role",
    "initial_state",
    "state_labels",
]

logger = logging.getLogger(__name__)

DocumentT = TypeVar("DocumentT", bound=Model)


class TransitionError(Exception):
    """A transition that was rejected: which action, from which state, and why.

    ``reason`` is one of the REJECTED_* codes, so that callers can choose a
    status code or their own message. ``allowed_states`` lists the states the
    action leaves from when the reason is the document's state.
    """

    def __init__(
        self,
        message: str,
        *,
        action: str = "",
        from_state: str = "",
        reason: str = "",
        allowed_states: frozenset[str] = frozenset(),
    ) -> None:
        super().__init__(message)
        self.action = action
        self.from_state = from_state
        self.reason = reason
        self.allowed_states = allowed_states


REJECTED_UNKNOWN_ACTION = "action"
REJECTED_STATE = "state"
REJECTED_ROLE = "role"
REJECTED_CONDITION = "condition"


class WorkflowNotFound(TransitionError):
    """The document type has no workflow."""


def get_workflow(model: type[Model]) -> WorkflowDefinition:
    definition = get_definition(model)
    if definition is None:
        raise WorkflowNotFound(
            _("%(model)s has no workflow; load or create one in the desk.")
            % {"model": model._meta.verbose_name}
        )

    return definition


def initial_state(model: type[Model]) -> str:
    """Return the state code that new documents of ``model`` start in.

    Raises WorkflowNotFound when the model has no workflow or the workflow
    marks no state as initial.
    """
    definition = get_workflow(model)
    if definition.initial_state is None:
        raise WorkflowNotFound(
            _("Workflow %(workflow)s has no initial state; mark one in the desk.")
            % {"workflow": definition.code}
        )

    return definition.initial_state


def state_labels(model: type[Model], codes: frozenset[str]) -> str:
    """Return ``codes`` as the translated labels of the state field's choices.

    A code that is not a choice of the field is shown as it is.
    """
    definition = get_workflow(model)
    field = model._meta.get_field(definition.state_field)
    choices = getattr(field, "flatchoices", [])
    labels = {str(value): str(label) for value, label in choices}
    return ", ".join(labels.get(code, code) for code in sorted(codes))


def role_codes(user: Actor) -> frozenset[str]:
    """Return the codes of the user's roles, from the access memo."""
    if user is None or not user.is_authenticated:
        return frozenset()

    def load() -> frozenset[str]:
        codes = Role.objects.filter(group__user__pk=user.pk)
        return frozenset(codes.values_list("code", flat=True))

    return remembered(("roles", user.pk), load)


def rejection_by_role(
    transition: Transition, user: Actor, user_roles: frozenset[str]
) -> str | None:
    """Return why ``user`` may not take ``transition``, or None when it may."""
    if user is None:
        if transition.allow_system:
            return None
        return _("background jobs may not take it")

    if not user.is_authenticated or not user.is_active:
        return _("the user is not signed in or not active")

    if not transition.role_codes:
        return _("only background jobs may take it")

    if getattr(user, "is_superuser", False):
        return None

    if transition.role_codes & user_roles:
        return None

    return _("the user has none of the roles %(roles)s") % {
        "roles": ", ".join(sorted(transition.role_codes)) or _("(none)")
    }


def condition_holds(transition: Transition, document: Model) -> bool:
    if not transition.condition:
        return True

    return evaluate_condition(transition.condition, document)


def available_actions(document: Model, user: Actor) -> list[Transition]:
    """Return the transitions that ``user`` may take on ``document`` now.

    Reads the document as given, without locking it. A condition that cannot
    be evaluated leaves its transition out and is logged.
    """
    definition = get_definition(type(document))
    if definition is None:
        return []

    state = getattr(document, definition.state_field)
    user_roles = role_codes(user)
    actions: list[Transition] = []
    for transition in definition.transitions:
        if state not in transition.from_states:
            continue
        if rejection_by_role(transition, user, user_roles) is not None:
            continue

        try:
            condition_true = condition_holds(transition, document)
        except ConditionError as error:
            logger.warning(
                "Workflow %s action %s skipped for %s %s: %s",
                definition.code,
                transition.action,
                document._meta.label_lower,
                document.pk,
                error,
            )
            continue
        if condition_true:
            actions.append(transition)
    return actions


def check_role(model: type[Model], action: str, user: Actor) -> None:
    """Raise TransitionError when ``user``'s roles may never take ``action``.

    The document's state and the condition are not checked, so a caller can
    tell "never" (the user's roles) from "not now". An action the workflow
    does not have passes, and apply_transition rejects it later.
    """
    definition = get_workflow(model)
    transition = definition.transition(action)
    if transition is None:
        return

    problem = rejection_by_role(transition, user, role_codes(user))
    if problem is not None:
        raise TransitionError(
            _("You may not %(action)s a %(model)s: %(reason)s.")
            % {
                "action": transition.label,
                "model": model._meta.verbose_name,
                "reason": problem,
            },
            action=action,
            reason=REJECTED_ROLE,
            allowed_states=transition.from_states,
        )


def check_action(document: Model, action: str, user: Actor) -> Transition:
    """Return the transition ``action`` of ``document`` if ``user`` may take it now.

    Reads the document as given, without locking it, so the result may be
    stale by the time the caller acts. apply_transition checks again under
    the lock. Raises TransitionError with the reason otherwise.
    """
    return check_transition(get_workflow(type(document)), document, action, user)


def apply_transition(
    document: DocumentT,
    action: str,
    user: Actor,
    *,
    note: str = "",
    changes: Mapping[str, Any] | None = None,
    locked: bool = False,
) -> DocumentT:
    """Take ``action`` on ``document`` for ``user`` and return the document.

    ``user`` None is a background job. ``changes`` are other fields that the
    transition sets (a timestamp, a reason); they are saved with the state in
    one save, so the history has one row per transition. ``locked`` means
    that the caller holds the document's row lock and that ``document`` is
    current, as for a row it inserted in the same transaction, so the row is
    not read again. Raises TransitionError when the document's type has no
    workflow, the action does not leave the current state, the user may not
    take it or its condition is false.
    """
    model = type(document)
    definition = get_workflow(model)
    state_field = definition.state_field
    changes = dict(changes or {})

    # No savepoint, which saves two statements per transition. A rejection
    # has written nothing and is raised after the block, so the caller's
    # transaction stays usable; any other error rolls it back.
    rejection: TransitionError | None = None
    with transaction.atomic(savepoint=False):
        current = (
            document
            if locked
            else model._default_manager.select_for_update().get(pk=document.pk)
        )
        from_state = getattr(current, state_field)
        try:
            transition = check_transition(definition, current, action, user)
        except TransitionError as error:
            rejection = error
        else:
            write_transition(current, definition, transition, user, note, changes)

    if rejection is not None:
        raise rejection
    copy_saved_fields(current, document, [state_field, *changes])
    logger.info(
        "Workflow %s: %s %s %s -> %s by user %s",
        definition.code,
        model._meta.label_lower,
        document.pk,
        from_state,
        transition.to_state,
        actor_id(user),
    )
    return document


def write_transition(
    document: Model,
    definition: WorkflowDefinition,
    transition: Transition,
    user: Actor,
    note: str,
    changes: dict[str, Any],
) -> None:
    """Save the new state with ``changes`` and log the transition."""
    from_state = getattr(document, definition.state_field)
    setattr(document, definition.state_field, transition.to_state)
    for name, value in changes.items():
        setattr(document, name, value)
    save_state(document, [definition.state_field, *changes], transition.label, user)
    TransitionLog.objects.create(
        document_type=ContentType.objects.get_for_model(type(document)),
        document_id=str(document.pk),
        workflow_id=definition.pk,
        action=transition.action,
        from_state=from_state,
        to_state=transition.to_state,
        user_id=actor_id(user),
        note=note,
    )


def check_transition(
    definition: WorkflowDefinition, document: Model, action: str, user: Actor
) -> Transition:
    """Return the transition ``action`` of ``document``, or raise why not."""
    state = getattr(document, definition.state_field)
    transition = definition.transition(action)

    def reject(explanation: str, reason: str) -> TransitionError:
        message = _(
            "Cannot %(action)s %(document)s from state %(state)s: %(reason)s."
        ) % {
            "action": action,
            "document": document,
            "state": definition.state_label(state),
            "reason": explanation,
        }
        return TransitionError(
            message,
            action=action,
            from_state=state,
            reason=reason,
            allowed_states=transition.from_states if transition else frozenset(),
        )

    if transition is None:
        raise reject(
            _("workflow %(workflow)s has no enabled action %(action)s")
            % {"workflow": definition.code, "action": action},
            REJECTED_UNKNOWN_ACTION,
        )

    if state not in transition.from_states:
        allowed = ", ".join(sorted(transition.from_states))
        raise reject(
            _("the action is only allowed from %(states)s") % {"states": allowed},
            REJECTED_STATE,
        )

    role_problem = rejection_by_role(transition, user, role_codes(user))
    if role_problem is not None:
        raise reject(role_problem, REJECTED_ROLE)

    try:
        condition_true = condition_holds(transition, document)
    except ConditionError as error:
        raise reject(str(error), REJECTED_CONDITION) from None
    if not condition_true:
        raise reject(
            _("its condition %(condition)s is false")
            % {"condition": transition.condition},
            REJECTED_CONDITION,
        )

    return transition


def save_state(document: Model, fields: list[str], label: str, user: Actor) -> None:
    """Save the state; simple-history, where present, records the user and the
    label of the action, which the desk's history page shows."""
    if isinstance(user, AbstractBaseUser):
        document._history_user = user  # type: ignore[attr-defined]
    document._change_reason = label  # type: ignore[attr-defined]

    fields = list(fields)
    if has_field(document, "modified"):
        fields.append("modified")
    document.save(update_fields=fields)


def has_field(document: Model, name: str) -> bool:
    return any(field.name == name for field in document._meta.concrete_fields)


def copy_saved_fields(source: Model, target: Any, fields: list[str]) -> None:
    if source is target:
        return

    for name in fields:
        setattr(target, name, getattr(source, name))
    if has_field(source, "modified"):
        target.modified = source.modified  # type: ignore[attr-defined]
