"""Builders for workflow tests: a draft purchase slip under the shipped workflow."""

from __future__ import annotations

from typing import Any

import pytest
from django.forms import BaseForm
from django.http import HttpResponse

from lq_crm.doctype.region.models import Region
from lq_crm.doctype.slip.models import PurchaseSlip
from lq_crm.doctype.slip.services import create_slip
from lq_crm.workflow.models import Workflow, WorkflowTransition
from tests.slips.builders import lines, make_household, make_store


@pytest.fixture
def draft_slip(jinan: Region) -> PurchaseSlip:
    _member, card = make_household(jinan)
    return create_slip(
        card=card,
        store=make_store(jinan),
        receipt_number="WF-1",
        lines=lines("120.00"),
    )


@pytest.fixture
def slip_workflow(db: None) -> Workflow:
    return Workflow.objects.get(code="purchase_slip")


def slip_transition(action: str) -> WorkflowTransition:
    return WorkflowTransition.objects.get(workflow__code="purchase_slip", action=action)


def form_values(form: BaseForm) -> dict[str, Any]:
    """Return what a browser would post for ``form`` as the desk rendered it."""
    data: dict[str, Any] = {}
    for name in form.fields:
        value = form[name].value()
        key = form.add_prefix(name)
        if value is None or value is False:
            continue
        if value is True:
            data[key] = "on"
        elif isinstance(value, list | tuple):
            data[key] = [str(getattr(item, "pk", item)) for item in value]
        else:
            data[key] = str(value)
    return data


def change_form_data(response: HttpResponse) -> dict[str, Any]:
    """Return the post data of a desk change page, inlines included, unchanged."""
    context: Any = response.context  # type: ignore[attr-defined]
    data = form_values(context["adminform"].form)
    for inline in context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(form_values(formset.management_form))
        for form in formset.forms:
            data.update(form_values(form))
    return data


def transition_field(data: dict[str, Any], action: str, field: str) -> str:
    """Return the post key of ``field`` in the inline row of transition ``action``."""
    for key, value in data.items():
        is_action = key.startswith("transitions-") and key.endswith("-action")
        if is_action and value == action:
            return key.removesuffix("action") + field
    raise KeyError(f"no inline row for transition {action!r} in {sorted(data)}")
