import pytest
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType

from lq_crm.doctype.card.models import Card
from lq_crm.doctype.region.models import Region
from lq_crm.doctype.slip.models import PurchaseSlip
from lq_crm.workflow.engine import (
    REJECTED_ROLE,
    REJECTED_STATE,
    REJECTED_UNKNOWN_ACTION,
    TransitionError,
    WorkflowNotFound,
    apply_transition,
    available_actions,
    initial_state,
    state_labels,
)
from lq_crm.workflow.models import TransitionLog, Workflow
from tests.conftest import make_user
from tests.slips.builders import make_household

from .conftest import slip_transition

pytestmark = pytest.mark.django_db


def test_submit_moves_draft_to_submitted(
    draft_slip: PurchaseSlip, jinan_clerk: User
) -> None:
    returned = apply_transition(draft_slip, "submit", jinan_clerk, note="till 3")

    assert returned is draft_slip
    assert draft_slip.status == "submitted"
    draft_slip.refresh_from_db()
    assert draft_slip.status == "submitted"


def test_submit_writes_log_row(
    draft_slip: PurchaseSlip, jinan_clerk: User, slip_workflow: Workflow
) -> None:
    apply_transition(draft_slip, "submit", jinan_clerk, note="till 3")

    log = TransitionLog.objects.get()
    assert log.document_type == ContentType.objects.get_for_model(PurchaseSlip)
    assert log.document_id == str(draft_slip.pk)
    assert log.document == draft_slip
    assert log.workflow == slip_workflow
    assert log.action == "submit"
    assert log.from_state == "draft"
    assert log.to_state == "submitted"
    assert log.user == jinan_clerk
    assert log.note == "till 3"


def test_submit_records_history_reason(
    draft_slip: PurchaseSlip, jinan_clerk: User
) -> None:
    apply_transition(draft_slip, "submit", jinan_clerk)

    latest = draft_slip.history.latest()
    assert latest.status == "submitted"
    assert latest.history_change_reason == "提交"
    assert latest.history_user == jinan_clerk


def test_wrong_state_rejected_with_message(
    draft_slip: PurchaseSlip, jinan_clerk: User
) -> None:
    with pytest.raises(TransitionError) as caught:
        apply_transition(draft_slip, "cancel", jinan_clerk)

    message = str(caught.value)
    assert "cancel" in message
    assert draft_slip.number in message
    assert "submitted" in message
    assert caught.value.action == "cancel"
    assert caught.value.from_state == "draft"
    assert PurchaseSlip.objects.get(pk=draft_slip.pk).status == "draft"
    assert not TransitionLog.objects.exists()


def test_unknown_action_rejected(draft_slip: PurchaseSlip, jinan_clerk: User) -> None:
    with pytest.raises(TransitionError, match="no enabled action fly"):
        apply_transition(draft_slip, "fly", jinan_clerk)


def test_state_read_from_locked_row(
    draft_slip: PurchaseSlip, jinan_clerk: User
) -> None:
    PurchaseSlip.objects.filter(pk=draft_slip.pk).update(status="submitted")

    with pytest.raises(TransitionError, match="only allowed from draft"):
        apply_transition(draft_slip, "submit", jinan_clerk)


def test_role_without_permission_rejected(
    draft_slip: PurchaseSlip, jinan: Region
) -> None:
    # The regional office may submit slips but, per roles.yaml, not cancel them.
    office = make_user("jinan-office", "regional_office", [jinan])
    apply_transition(draft_slip, "submit", office)

    with pytest.raises(TransitionError, match="none of the roles") as caught:
        apply_transition(draft_slip, "cancel", office)

    assert "store_clerk" in str(caught.value)
    assert PurchaseSlip.objects.get(pk=draft_slip.pk).status == "submitted"


def test_role_with_permission_allowed(
    draft_slip: PurchaseSlip, jinan_clerk: User
) -> None:
    apply_transition(draft_slip, "submit", jinan_clerk)
    apply_transition(draft_slip, "cancel", jinan_clerk)

    assert PurchaseSlip.objects.get(pk=draft_slip.pk).status == "cancelled"


def test_member_role_rejected(draft_slip: PurchaseSlip) -> None:
    member = make_user("household", "member")

    with pytest.raises(TransitionError, match="none of the roles"):
        apply_transition(draft_slip, "submit", member)


def test_superuser_takes_any_transition(draft_slip: PurchaseSlip) -> None:
    root = User.objects.create_superuser("root", password="secret-pass-1")

    apply_transition(draft_slip, "submit", root)

    assert draft_slip.status == "submitted"


def test_inactive_user_rejected(draft_slip: PurchaseSlip, jinan_clerk: User) -> None:
    jinan_clerk.is_active = False
    jinan_clerk.save()

    with pytest.raises(TransitionError, match="not active"):
        apply_transition(draft_slip, "submit", jinan_clerk)


def test_system_allowed_where_listed(draft_slip: PurchaseSlip) -> None:
    apply_transition(draft_slip, "submit", None)

    assert draft_slip.status == "submitted"
    assert TransitionLog.objects.get().user is None


def test_system_rejected_where_not_listed(draft_slip: PurchaseSlip) -> None:
    transition = slip_transition("cancel")
    transition.allow_system = False
    transition.save()
    apply_transition(draft_slip, "submit", None)

    with pytest.raises(TransitionError, match="background jobs may not take it"):
        apply_transition(draft_slip, "cancel", None)


def test_condition_true_allows(draft_slip: PurchaseSlip, jinan_clerk: User) -> None:
    transition = slip_transition("submit")
    transition.condition = 'total >= 100 and source == "desk"'
    transition.save()

    apply_transition(draft_slip, "submit", jinan_clerk)

    assert draft_slip.status == "submitted"


def test_condition_false_rejects(draft_slip: PurchaseSlip, jinan_clerk: User) -> None:
    transition = slip_transition("submit")
    transition.condition = "total > 500"
    transition.save()

    with pytest.raises(TransitionError, match="condition total > 500 is false"):
        apply_transition(draft_slip, "submit", jinan_clerk)

    assert PurchaseSlip.objects.get(pk=draft_slip.pk).status == "draft"


def test_condition_failing_on_values_rejects(
    draft_slip: PurchaseSlip, jinan_clerk: User
) -> None:
    transition = slip_transition("submit")
    transition.condition = "submitted_at > 3"
    transition.save()

    with pytest.raises(TransitionError, match="could not be evaluated"):
        apply_transition(draft_slip, "submit", jinan_clerk)


def test_disabled_transition_rejected(
    draft_slip: PurchaseSlip, jinan_clerk: User
) -> None:
    transition = slip_transition("submit")
    transition.enabled = False
    transition.save()

    with pytest.raises(TransitionError, match="no enabled action submit"):
        apply_transition(draft_slip, "submit", jinan_clerk)


def test_available_actions_by_role_and_state(
    draft_slip: PurchaseSlip, jinan: Region, jinan_clerk: User
) -> None:
    office = make_user("jinan-office", "regional_office", [jinan])

    assert [t.action for t in available_actions(draft_slip, jinan_clerk)] == ["submit"]
    assert [t.action for t in available_actions(draft_slip, None)] == ["submit"]

    apply_transition(draft_slip, "submit", jinan_clerk)
    assert [t.action for t in available_actions(draft_slip, jinan_clerk)] == ["cancel"]
    assert available_actions(draft_slip, office) == []
    assert [t.action for t in available_actions(draft_slip, None)] == ["cancel"]

    apply_transition(draft_slip, "cancel", jinan_clerk)
    assert [t.action for t in available_actions(draft_slip, office)] == ["amend"]


def test_available_actions_apply_condition(
    draft_slip: PurchaseSlip, jinan_clerk: User
) -> None:
    transition = slip_transition("submit")
    transition.condition = "total > 500"
    transition.save()

    assert available_actions(draft_slip, jinan_clerk) == []


def test_system_only_transition_rejects_superuser(jinan: Region) -> None:
    root = User.objects.create_superuser("root", password="secret-pass-1")
    _member, card = make_household(jinan)
    Card.objects.filter(pk=card.pk).update(status=Card.Status.ISSUED)
    card.refresh_from_db()

    with pytest.raises(TransitionError, match="only background jobs") as caught:
        apply_transition(card, "activate", root)

    assert caught.value.reason == REJECTED_ROLE
    assert "activate" not in [t.action for t in available_actions(card, root)]
    apply_transition(card, "activate", None)
    assert card.status == Card.Status.ACTIVE


def test_changes_saved_with_state_in_one_history_row(
    draft_slip: PurchaseSlip, jinan_clerk: User
) -> None:
    rows_before = draft_slip.history.count()

    apply_transition(
        draft_slip, "submit", jinan_clerk, changes={"cancel_reason": "kept"}
    )

    draft_slip.refresh_from_db()
    assert draft_slip.status == "submitted"
    assert draft_slip.cancel_reason == "kept"
    assert draft_slip.history.count() == rows_before + 1


def test_rejection_reason_codes(draft_slip: PurchaseSlip, jinan: Region) -> None:
    office = make_user("jinan-office", "regional_office", [jinan])

    with pytest.raises(TransitionError) as wrong_state:
        apply_transition(draft_slip, "cancel", office)
    with pytest.raises(TransitionError) as unknown:
        apply_transition(draft_slip, "fly", office)
    apply_transition(draft_slip, "submit", office)
    with pytest.raises(TransitionError) as no_role:
        apply_transition(draft_slip, "cancel", office)

    assert wrong_state.value.reason == REJECTED_STATE
    assert wrong_state.value.allowed_states == frozenset({"submitted"})
    assert unknown.value.reason == REJECTED_UNKNOWN_ACTION
    assert no_role.value.reason == REJECTED_ROLE


def test_state_labels_follow_field_choices() -> None:
    assert state_labels(PurchaseSlip, frozenset({"submitted", "draft"})) == (
        "Draft, Submitted"
    )
    assert state_labels(PurchaseSlip, frozenset({"archived"})) == "archived"


def test_initial_state_of_slip() -> None:
    assert initial_state(PurchaseSlip) == "draft"


def test_model_without_workflow_rejected(db: None) -> None:
    with pytest.raises(WorkflowNotFound):
        initial_state(Region)

    city = Region.objects.filter(level=Region.Level.CITY).first()
    assert city is not None
    with pytest.raises(TransitionError, match="has no workflow"):
        apply_transition(city, "submit", None)
    assert available_actions(city, None) == []
