import pytest
from django.contrib.auth.models import User
from django.test import Client

from lq_crm.doctype.slip.models import PurchaseSlip
from lq_crm.doctype.slip.services import submit_slip
from lq_crm.workflow.admin import TransitionForm, mark_customised
from lq_crm.workflow.models import TransitionLog, Workflow, WorkflowTransition

from .conftest import slip_transition

pytestmark = pytest.mark.django_db


def transition_data(**changes: object) -> dict[str, object]:
    transition = slip_transition("cancel")
    data: dict[str, object] = {
        "action": transition.action,
        "label": transition.label,
        "from_states": [state.pk for state in transition.from_states.all()],
        "to_state": transition.to_state_id,
        "roles": [role.pk for role in transition.roles.all()],
        "allow_system": transition.allow_system,
        "condition": transition.condition,
        "enabled": transition.enabled,
        "position": transition.position,
        "customised": transition.customised,
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ("total >", "not a valid expression"),
        ("card.member == 1", "Attribute"),
        ('__import__("os")', "calls a function"),
        ("colour == 1", "not a field"),
    ],
)
def test_invalid_condition_is_form_error(condition: str, message: str) -> None:
    form = TransitionForm(
        data=transition_data(condition=condition),
        instance=slip_transition("cancel"),
    )

    assert not form.is_valid()
    assert message in form.errors["condition"][0]


def test_self_loop_of_one_state_accepted() -> None:
    amend = slip_transition("amend")
    form = TransitionForm(
        data=transition_data(
            action="amend2",
            from_states=[amend.to_state_id],
            to_state=amend.to_state_id,
        ),
        instance=WorkflowTransition(workflow=amend.workflow),
    )

    assert form.is_valid(), form.errors


def test_loop_with_other_states_rejected() -> None:
    cancel = slip_transition("cancel")
    draft = cancel.workflow.states.get(code="draft")
    form = TransitionForm(
        data=transition_data(
            from_states=[cancel.to_state_id, draft.pk], to_state=cancel.to_state_id
        ),
        instance=cancel,
    )

    assert not form.is_valid()
    assert "unless it keeps a single state" in str(form.errors)


def test_valid_condition_marks_customised() -> None:
    form = TransitionForm(
        data=transition_data(condition="total < 1000"),
        instance=slip_transition("cancel"),
    )
    assert form.is_valid(), form.errors

    mark_customised(form)
    form.save()

    transition = slip_transition("cancel")
    assert transition.condition == "total < 1000"
    assert transition.customised is True


def test_unticking_customised_is_kept() -> None:
    transition = slip_transition("cancel")
    transition.customised = True
    transition.save()
    form = TransitionForm(data=transition_data(customised=False), instance=transition)
    assert form.is_valid(), form.errors

    mark_customised(form)
    form.save()

    assert slip_transition("cancel").customised is False


def test_desk_pages_open(client: Client) -> None:
    root = User.objects.create_superuser("root", password="secret-pass-1")
    client.force_login(root)
    workflow = Workflow.objects.get(code="purchase_slip")

    for url in (
        "/desk/workflow/workflow/",
        f"/desk/workflow/workflow/{workflow.pk}/change/",
        "/desk/workflow/transitionlog/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url


def test_transition_log_read_only(client: Client) -> None:
    root = User.objects.create_superuser("root", password="secret-pass-1")
    client.force_login(root)

    response = client.get("/desk/workflow/transitionlog/add/")

    assert response.status_code == 403
    assert not TransitionLog.objects.exists()


def test_transition_log_shows_labels(
    client: Client, draft_slip: PurchaseSlip, head_office_admin: User
) -> None:
    submit_slip(draft_slip, user=head_office_admin)
    client.force_login(head_office_admin)

    response = client.get("/desk/workflow/transitionlog/")

    rows = response.context["cl"].result_list
    admin = response.context["cl"].model_admin
    assert [admin.action_label(row) for row in rows] == ["提交"]
    assert [admin.from_state_label(row) for row in rows] == ["草稿"]
    assert [admin.to_state_label(row) for row in rows] == ["已提交"]
    assert [admin.document_type_name(row) for row in rows] == ["消费单"]
    assert "已提交" in response.content.decode()


def test_transition_log_entry_page_in_labels(
    client: Client, draft_slip: PurchaseSlip, head_office_admin: User
) -> None:
    submit_slip(draft_slip, user=head_office_admin)
    client.force_login(head_office_admin)
    log = TransitionLog.objects.get()

    page = client.get(f"/desk/workflow/transitionlog/{log.pk}/change/")
    listing = client.get("/desk/workflow/transitionlog/", {"action": "submit"})

    assert str(log) == "提交: 草稿 → 已提交"
    assert "已提交" in page.content.decode()
    assert ">submitted<" not in page.content.decode()
    assert list(listing.context["cl"].result_list) == [log]
