from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from lq_crm.doctype.slip.services import cancel_slip
from lq_crm.reports.dashboards import city_dashboard
from tests.factories import CardFactory, MemberFactory, StoreFactory
from tests.reports.helpers import dated_slip, local

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 15)


def test_city_dashboard_counts_this_and_last_month(jinan, qingdao):
    jinan_store = StoreFactory(city=jinan)
    qingdao_store = StoreFactory(city=qingdao)
    march_card = CardFactory(member=MemberFactory(city=jinan, joined_on=TODAY))
    february_card = CardFactory(
        member=MemberFactory(city=jinan, joined_on=date(2026, 2, 28))
    )
    CardFactory(member=MemberFactory(city=qingdao, joined_on=TODAY))

    dated_slip(march_card, jinan_store, local(2026, 3, 1, 0), [("health", "100.00")])
    dated_slip(march_card, jinan_store, local(2026, 3, 15), [("health", "50.50")])
    dated_slip(
        february_card, jinan_store, local(2026, 2, 28, 23), [("health", "20.00")]
    )
    cancelled = dated_slip(
        march_card, jinan_store, local(2026, 3, 2), [("health", "999.00")]
    )
    cancel_slip(cancelled)
    dated_slip(march_card, qingdao_store, local(2026, 3, 3), [("health", "7.00")])

    dashboard = city_dashboard(jinan, TODAY)

    assert dashboard.new_households == 1
    assert dashboard.new_households_last_month == 1
    assert dashboard.slips == 2
    assert dashboard.spend == Decimal("150.50")
    assert dashboard.slips_last_month == 1
    assert dashboard.spend_last_month == Decimal("20.00")


def test_city_dashboard_tier_counts(jinan, qingdao):
    MemberFactory(city=jinan)
    MemberFactory(city=jinan)
    MemberFactory(city=qingdao)

    dashboard = city_dashboard(jinan, TODAY)

    counts = dict(dashboard.tier_counts)
    assert sum(counts.values()) == 2
    assert len(dashboard.tier_counts) == 4
    assert dashboard.tier_counts[0][1] == 2
