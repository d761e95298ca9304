"""The workflow actions that people take from desk buttons and the API.

Most actions do more than move the state: cancelling a slip reverses its
points, replacing a card gives out another one. A document type registers
the service function that does this for each such action. An action without
a registered function only moves the state through ``apply_transition``.
Every registered function must take the transition through the engine, so
the workflow's roles and conditions decide either way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.db.models import Model

from lq_crm.core.users import Actor
from lq_crm.workflow.engine import apply_transition

# Takes the action on the document for the user with the input the desk form
# or the API request gave, and returns the document to show next (a new
# draft after amending, the new card after a replacement).
ActionHandler = Callable[[Any, Actor, Mapping[str, Any]], Model]

# Model label ("slip.purchaseslip") -> action -> handler.
handlers: dict[str, dict[str, ActionHandler]] = {}


def register_action(model: type[Model], action: str, handler: ActionHandler) -> None:
    """Make ``handler`` the function that takes ``action`` on ``model``'s documents."""
    handlers.setdefault(model._meta.label_lower, {})[action] = handler


def run_action(
    document: Model, action: str, user: Actor, data: Mapping[str, Any]
) -> Model:
    """Take ``action`` on ``document`` through its registered function.

    Raises TransitionError, or the document type's own error, when the
    action is rejected.
    """
    handler = handlers.get(document._meta.label_lower, {}).get(action)
    if handler is None:
        return apply_transition(document, action, user, note=data.get("note", ""))

    return handler(document, user, data)
