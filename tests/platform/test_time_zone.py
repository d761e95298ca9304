"""Date filters in Asia/Shanghai on a server whose time-zone tables may be empty."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db.models.functions import TruncDate, TruncMonth

from lq_crm.doctype.tier.models import Tier

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.django_db
def test_date_lookups_use_shanghai_days() -> None:
    tier = Tier.objects.get(code="vip")
    # 23:59 on 31 January in Shanghai is 15:59 UTC, still the 31st in both
    # zones. The second moment checks the other edge: 00:30 on 1 February in
    # Shanghai is 16:30 UTC on 31 January, so a UTC filter would misplace it.
    late = dt.datetime(2026, 1, 31, 23, 59, tzinfo=SHANGHAI)
    early = dt.datetime(2026, 2, 1, 0, 30, tzinfo=SHANGHAI)
    Tier.objects.filter(pk=tier.pk).update(created=late)
    other = Tier.objects.get(code="health_star")
    Tier.objects.filter(pk=other.pk).update(created=early)

    on_31st = Tier.objects.filter(created__date=dt.date(2026, 1, 31))
    in_february = Tier.objects.filter(created__month=2, created__year=2026)
    months = dict(
        Tier.objects.filter(pk__in=[tier.pk, other.pk])
        .annotate(month=TruncMonth("created"), day=TruncDate("created"))
        .values_list("code", "month")
    )

    assert list(on_31st.values_list("code", flat=True)) == ["vip"]
    assert list(in_february.values_list("code", flat=True)) == ["health_star"]
    assert months["vip"].date() == dt.date(2026, 1, 1)
    assert months["health_star"].date() == dt.date(2026, 2, 1)


@pytest.mark.django_db
def test_stored_value_round_trips_as_aware_shanghai_time() -> None:
    moment = dt.datetime(2026, 7, 1, 12, 0, tzinfo=SHANGHAI)
    Tier.objects.filter(code="vip").update(created=moment)

    stored = Tier.objects.get(code="vip").created

    assert stored == moment
    assert stored.tzinfo is not None
