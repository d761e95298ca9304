"""Move a registration from one status to another: the only place that does.

Status changes go through the workflow engine, which checks the
"event.registration" workflow (shipped in workflow/definitions), locks the
row, saves the status and logs the transition.
"""

from __future__ import annotations

from lq_crm.core.users import Actor
from lq_crm.doctype.event.models import Registration
from lq_crm.workflow.engine import TransitionError, apply_transition

# Seat allocation takes these actions as the system (no user), because the
# workflow lets only the system confirm, waitlist and promote: a clerk who
# registers or cancels a household does not choose who gets a seat.
SYSTEM_ACTIONS = frozenset({"confirm", "waitlist", "promote"})


class TransitionRejected(Exception):
    """The workflow does not allow the action on the registration."""


def move(
    registration: Registration, action: str, user: Actor, *, note: str = ""
) -> Registration:
    """Apply ``action`` to ``registration`` and return it with its new status.

    Call it inside the caller's transaction, after the departure row is
    locked, so the departure lock is always taken before the registration's.
    """
    actor = None if action in SYSTEM_ACTIONS else user
    try:
        return apply_transition(registration, action, actor, note=note)
    except TransitionError as error:
        raise TransitionRejected(str(error)) from error
