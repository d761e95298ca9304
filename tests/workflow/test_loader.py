import logging
from pathlib import Path

import pytest
from django.db.models import Model

from lq_crm.workflow.fixtures import (
    DEFINITIONS_DIR,
    WorkflowDefinitionError,
    load_workflows,
)
from lq_crm.workflow.models import Workflow, WorkflowState, WorkflowTransition

from .conftest import slip_transition

pytestmark = pytest.mark.django_db


def snapshot() -> list[tuple]:
    rows: list[tuple] = []
    for model in (Workflow, WorkflowState, WorkflowTransition):
        rows.extend(row_values(row) for row in model.objects.order_by("pk"))
    for transition in WorkflowTransition.objects.order_by("pk"):
        rows.append(
            (
                transition.pk,
                sorted(transition.from_states.values_list("code", flat=True)),
                sorted(transition.roles.values_list("code", flat=True)),
            )
        )
    return rows


def row_values(row: Model) -> tuple:
    return tuple(getattr(row, field.attname) for field in row._meta.concrete_fields)


def test_shipped_definitions_loaded() -> None:
    codes = set(Workflow.objects.values_list("code", flat=True))

    assert {"purchase_slip", "card"} <= codes
    submit = slip_transition("submit")
    assert submit.allow_system is True
    assert set(submit.roles.values_list("code", flat=True)) == {
        "system_admin",
        "head_office",
        "service_centre",
        "regional_office",
        "store_clerk",
    }
    cancel = slip_transition("cancel")
    assert cancel.allow_system is True
    assert "regional_office" not in set(cancel.roles.values_list("code", flat=True))


def test_loader_idempotent() -> None:
    load_workflows()
    before = snapshot()

    load_workflows()

    assert snapshot() == before


def test_loader_resets_uncustomised_transition() -> None:
    transition = slip_transition("cancel")
    transition.label = "changed"
    transition.condition = "total > 1"
    transition.roles.clear()
    transition.save()

    load_workflows()

    transition.refresh_from_db()
    assert transition.label == "作废"
    assert transition.condition == ""
    assert transition.roles.count() == 4


def test_loader_keeps_customised_transition() -> None:
    transition = slip_transition("cancel")
    transition.label = "作废"
    transition.condition = "total < 1000"
    transition.customised = True
    transition.save()
    transition.roles.set(transition.roles.filter(code="head_office"))

    load_workflows()

    transition.refresh_from_db()
    assert transition.label == "作废"
    assert transition.condition == "total < 1000"
    assert list(transition.roles.values_list("code", flat=True)) == ["head_office"]


def test_loader_keeps_customised_state_and_desk_rows() -> None:
    state = WorkflowState.objects.get(workflow__code="purchase_slip", code="draft")
    state.label = "待提交"
    state.customised = True
    state.save()
    workflow = state.workflow
    extra = WorkflowState.objects.create(workflow=workflow, code="on_hold", label="x")

    load_workflows()

    state.refresh_from_db()
    assert state.label == "待提交"
    assert WorkflowState.objects.filter(pk=extra.pk).exists()


def test_loader_recreates_deleted_transition() -> None:
    slip_transition("cancel").delete()

    load_workflows()

    assert slip_transition("cancel").to_state.code == "cancelled"


def write_definition(directory: Path, name: str, text: str) -> None:
    (directory / name).write_text(text, encoding="utf-8")


MISSING_TYPE = """
code: ghost
name: 幽灵
document_type: ghost.thing
state_field: status
initial: a
states: [{code: a, label: A}]
"""


def test_missing_document_type_skipped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write_definition(tmp_path, "ghost.yaml", MISSING_TYPE)
    slip = (DEFINITIONS_DIR / "purchase_slip.yaml").read_text(encoding="utf-8")
    write_definition(tmp_path, "purchase_slip.yaml", slip)

    with caplog.at_level(logging.WARNING, logger="lq_crm.workflow"):
        loaded = load_workflows(tmp_path)

    assert loaded == 1
    assert not Workflow.objects.filter(code="ghost").exists()
    assert "ghost.thing is not installed" in caplog.text


BAD_TEMPLATE = """
code: broken
name: 坏的
document_type: slip.purchaseslip
state_field: {state_field}
initial: draft
states:
  - {{code: draft, label: 草稿}}
  - {{code: submitted, label: 已提交, final: true}}
transitions:
  - action: submit
    label: 提交
    from: {from_state}
    to: submitted
    roles: [{role}]
    condition: '{condition}'
"""


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"state_field": "colour"}, "has no field 'colour'"),
        ({"from_state": "nowhere"}, "unknown states"),
        ({"from_state": "[draft, submitted]"}, "leaves the final states"),
        ({"role": "janitor"}, "unknown roles"),
        ({"condition": "card.member"}, "Attribute"),
        ({"condition": "__import__(1)"}, "calls a function"),
    ],
)
def test_invalid_definition_rejected(
    tmp_path: Path, changes: dict[str, str], message: str
) -> None:
    values = {
        "state_field": "status",
        "from_state": "draft",
        "role": "store_clerk",
        "condition": "",
        **changes,
    }
    write_definition(tmp_path, "broken.yaml", BAD_TEMPLATE.format(**values))

    with pytest.raises(WorkflowDefinitionError, match=message):
        load_workflows(tmp_path)

    assert not Workflow.objects.filter(code="broken").exists()


def test_state_not_in_model_choices_rejected(tmp_path: Path) -> None:
    text = (
        BAD_TEMPLATE.format(
            state_field="status", from_state="draft", role="store_clerk", condition=""
        )
        .replace("code: submitted", "code: posted")
        .replace("to: submitted", "to: posted")
    )
    write_definition(tmp_path, "broken.yaml", text)

    with pytest.raises(WorkflowDefinitionError, match="not choices of"):
        load_workflows(tmp_path)


def test_amend_keeps_final_state() -> None:
    amend = slip_transition("amend")

    assert amend.to_state.code == "cancelled"
    assert list(amend.from_states.values_list("code", flat=True)) == ["cancelled"]
    assert amend.to_state.final is True
