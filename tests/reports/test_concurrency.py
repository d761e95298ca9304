"""Concurrent submits that touch the same aggregate rows both count."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.db import connection

from lq_crm.doctype.slip.services import submit_slip
from lq_crm.reports.aggregates import check_aggregates
from lq_crm.reports.models import SalesMonth, SlipMonth
from tests.factories import CardFactory, MemberFactory, StoreFactory
from tests.reports.helpers import dated_slip, local

SUBMITTERS = 4


@pytest.mark.django_db(transaction=True)
def test_parallel_submits_all_counted(jinan):
    store = StoreFactory(city=jinan)
    drafts = [
        dated_slip(
            CardFactory(member=MemberFactory(city=jinan)),
            store,
            local(2026, 3, 10 + index),
            [("health", "10.00")],
            submit=False,
        )
        for index in range(SUBMITTERS)
    ]
    start = threading.Barrier(SUBMITTERS)
    errors: list[BaseException] = []

    def submit(slip) -> None:
        try:
            start.wait()
            submit_slip(slip)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(slip,)) for slip in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    row = SlipMonth.objects.get(month=date(2026, 3, 1), store_id=store.pk)
    assert row.slips == SUBMITTERS
    sales = SalesMonth.objects.get(month=date(2026, 3, 1), store_id=store.pk)
    assert sales.slips == SUBMITTERS
    mismatches = check_aggregates()
    assert mismatches == dict.fromkeys(mismatches, 0)
