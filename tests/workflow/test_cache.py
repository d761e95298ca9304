"""Definitions are cached across processes and replaced as soon as one changes."""

import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache, caches
from django.db import connection, transaction

from lq_crm.doctype.slip.models import PurchaseSlip
from lq_crm.workflow import registry
from lq_crm.workflow.registry import VERSION_KEY, get_definition

from .conftest import slip_transition

pytestmark = pytest.mark.django_db


def cancel_label() -> str:
    definition = get_definition(PurchaseSlip)
    assert definition is not None
    transition = definition.transition("cancel")
    assert transition is not None
    return transition.label


def test_cache_backend_is_shared() -> None:
    # The test settings use Redis, so every process reads one version token.
    # The in-memory backend would hide cross-process bugs.
    assert "redis" in type(caches["default"]).__module__.lower()


def test_save_visible_on_next_read(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    assert cancel_label() == "作废"
    version = cache.get(VERSION_KEY)

    with django_capture_on_commit_callbacks(execute=True):
        transition = slip_transition("cancel")
        transition.label = "撤销"
        transition.save()

    assert cache.get(VERSION_KEY) != version
    assert cancel_label() == "撤销"


def test_role_change_visible_on_next_read(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    definition = get_definition(PurchaseSlip)
    assert definition is not None
    assert "store_clerk" in definition.transition("cancel").role_codes

    with django_capture_on_commit_callbacks(execute=True):
        transition = slip_transition("cancel")
        transition.roles.remove(transition.roles.get(code="store_clerk"))

    definition = get_definition(PurchaseSlip)
    assert definition is not None
    assert "store_clerk" not in definition.transition("cancel").role_codes


def test_stale_memo_ignored() -> None:
    assert cancel_label() == "作废"
    assert registry.memo["slip.purchaseslip"][1] is not None

    # Another process commits a change: a row update that sends no signal
    # here, then its commit hook replaces the shared version token.
    slip_transition("cancel").__class__.objects.filter(
        workflow__code="purchase_slip", action="cancel"
    ).update(label="撤销")
    registry.bump_version()

    assert cancel_label() == "撤销"


def test_unchanged_version_served_from_memo(
    django_assert_num_queries: Callable[..., Any],
) -> None:
    cancel_label()

    with django_assert_num_queries(0):
        assert cancel_label() == "作废"


def test_other_process_reads_shared_cache(
    django_assert_num_queries: Callable[..., Any],
) -> None:
    cancel_label()
    registry.memo.clear()

    with django_assert_num_queries(0):
        assert cancel_label() == "作废"


def test_uncommitted_change_stays_private() -> None:
    assert cancel_label() == "作废"
    version = cache.get(VERSION_KEY)

    with pytest.raises(RuntimeError), transaction.atomic():
        transition = slip_transition("cancel")
        transition.label = "撤销"
        transition.save()
        assert cancel_label() == "撤销"
        raise RuntimeError("roll back")

    assert cache.get(VERSION_KEY) == version
    assert cancel_label() == "作废"


RELABEL_SCRIPT = """
import django
django.setup()
from lq_crm.workflow.models import WorkflowTransition
transition = WorkflowTransition.objects.get(
    workflow__code="purchase_slip", action="cancel"
)
transition.label = "撤销"
transition.save()
"""


@pytest.mark.django_db(transaction=True)
def test_change_in_other_process_visible() -> None:
    assert cancel_label() == "作废"
    environment = {
        **os.environ,
        "DATABASE_URL": os.environ["DATABASE_URL"].rsplit("/", 1)[0]
        + "/"
        + connection.settings_dict["NAME"],
        "DJANGO_SETTINGS_MODULE": "lq_crm.settings",
    }

    subprocess.run(
        [sys.executable, "-c", RELABEL_SCRIPT],
        env=environment,
        check=True,
        timeout=120,
    )

    assert cancel_label() == "撤销"
