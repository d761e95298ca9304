"""Builders for workflow tests: a draft purchase slip under the shipped workflow."""

from __future__ import annotations

import pytest

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
