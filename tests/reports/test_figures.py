"""Each report figure against a direct count of the slips, households and cards."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from lq_crm.doctype.card.models import Card
from lq_crm.doctype.event.models import Registration
from lq_crm.doctype.member.models import Member
from lq_crm.doctype.slip.models import PurchaseSlip, PurchaseSlipLine
from lq_crm.doctype.tier.models import Tier, TierChange
from lq_crm.reports.figures.activities import activity_rows
from lq_crm.reports.figures.cross import count_combinations
from lq_crm.reports.figures.events import count_registrations
from lq_crm.reports.figures.sales import sum_sales, sum_slips
from lq_crm.reports.figures.segments import (
    NEVER_BOUGHT,
    SegmentRules,
    count_segments,
    segment_members,
)
from lq_crm.reports.figures.signups import count_cards, count_signups
from lq_crm.reports.figures.tiers import count_tier_changes, count_tiers
from lq_crm.reports.filters import ReportFilters
from tests.events.builders import make_event

pytestmark = pytest.mark.django_db

FIRST = date(2025, 10, 1)
LAST = date(2026, 4, 1)


def every_city(**fields) -> ReportFilters:
    return ReportFilters(city_ids=None, first_month=FIRST, last_month=LAST, **fields)


def local_month(moment) -> date:
    return timezone.localtime(moment).date().replace(day=1)


def submitted_lines(**conditions):
    return PurchaseSlipLine.objects.filter(
        slip__status=PurchaseSlip.Status.SUBMITTED, **conditions
    ).select_related("slip", "slip__store", "slip__member")


def test_signups_match_members(club):
    expected = Counter(
        (member.joined_on.replace(day=1), member.city_id, member.signup_activity)
        for member in Member.objects.all()
        if FIRST <= member.joined_on.replace(day=1) <= LAST
    )

    assert count_signups(every_city()) == dict(expected)
    jinan_only = ReportFilters(
        city_ids=frozenset({club.jinan.pk}), first_month=FIRST, last_month=LAST
    )
    assert count_signups(jinan_only) == {
        key: total for key, total in expected.items() if key[1] == club.jinan.pk
    }


def test_signups_with_tier_filter_count_members(club):
    vip = Tier.objects.get(code="vip")
    expected = Counter(
        (member.joined_on.replace(day=1), member.city_id, member.signup_activity)
        for member in Member.objects.filter(tier=vip)
    )

    assert count_signups(every_city(tier_id=vip.pk)) == dict(expected)


def test_cards_match_card_table(club):
    expected = Counter(
        (local_month(card.issued_at), card.member.city_id)
        for card in Card.objects.select_related("member")
        if FIRST <= local_month(card.issued_at) <= LAST
    )
    assert sum(expected.values()) > 5

    assert count_cards(every_city()) == dict(expected)


def test_sales_match_slip_lines(club):
    slips: dict[tuple, set[int]] = defaultdict(set)
    lines: Counter = Counter()
    spend: dict[tuple, Decimal] = defaultdict(Decimal)
    for line in submitted_lines():
        key = (
            local_month(line.slip.purchased_at),
            line.slip.store.city_id,
            line.category_id,
        )
        slips[key].add(line.slip_id)
        lines[key] += 1
        spend[key] += line.amount

    figures = sum_sales(every_city())

    assert set(figures) == set(slips)
    for key, (slip_count, line_count, total) in figures.items():
        assert slip_count == len(slips[key]), key
        assert line_count == lines[key], key
        assert total == spend[key], key


def test_sales_with_tier_filter_match_slip_lines(club):
    tier = Tier.objects.get(code="vip")
    spend: dict[tuple, Decimal] = defaultdict(Decimal)
    for line in submitted_lines(slip__member__tier=tier):
        key = (
            local_month(line.slip.purchased_at),
            line.slip.store.city_id,
            line.category_id,
        )
        spend[key] += line.amount

    figures = sum_sales(every_city(tier_id=tier.pk))

    assert {key: values[2] for key, values in figures.items()} == dict(spend)


def test_slip_totals_match_slips(club):
    counts: Counter = Counter()
    spend: dict[tuple, Decimal] = defaultdict(Decimal)
    for slip in PurchaseSlip.objects.filter(status=PurchaseSlip.Status.SUBMITTED):
        key = (local_month(slip.purchased_at), slip.store.city_id)
        counts[key] += 1
        spend[key] += slip.total
    assert sum(counts.values()) > 10

    figures = sum_slips(every_city())

    assert {key: value[0] for key, value in figures.items()} == dict(counts)
    assert {key: value[1] for key, value in figures.items()} == dict(spend)


def test_slip_totals_filtered_by_store_and_activity(club):
    store = club.stores[club.jinan.pk][0]
    activity = Member.SignupActivity.COMMUNITY
    expected = Counter(
        local_month(slip.purchased_at)
        for slip in PurchaseSlip.objects.filter(
            status=PurchaseSlip.Status.SUBMITTED,
            store=store,
            member__signup_activity=activity,
        )
    )

    figures = sum_slips(every_city(store_id=store.pk, activity=activity))

    assert {month: value[0] for (month, _city), value in figures.items()} == dict(
        expected
    )


def test_tiers_match_members(club):
    expected = Counter(
        (member.city_id, member.tier_id) for member in Member.objects.all()
    )

    assert count_tiers(every_city()) == dict(expected)


def test_tier_changes_match_table(club):
    expected = Counter(
        (local_month(change.created), change.from_tier_id, change.to_tier_id)
        for change in TierChange.objects.all()
        if FIRST <= local_month(change.created) <= LAST
    )

    assert count_tier_changes(every_city()) == dict(expected)


def test_cross_purchases_match_slip_lines(club):
    bought: dict[int, set[int]] = defaultdict(set)
    for line in submitted_lines():
        if FIRST <= local_month(line.slip.purchased_at) <= LAST:
            bought[line.slip.member_id].add(line.category_id)
    expected = Counter(frozenset(categories) for categories in bought.values())

    assert count_combinations(every_city()) == dict(expected)


def expected_segment(slips: list[PurchaseSlip], rules: SegmentRules) -> str:
    """Score one household by hand, in the order the segments are tested."""
    months = [local_month(slip.purchased_at) for slip in slips]
    last = max(months)
    months_since = (LAST.year - last.year) * 12 + LAST.month - last.month
    in_period = [slip for slip in slips if local_month(slip.purchased_at) >= FIRST]
    frequency = len(in_period)
    monetary = sum((slip.total for slip in in_period), Decimal("0"))
    recent = months_since < rules.recent_months
    drifting = months_since >= rules.drift_months
    frequent = frequency >= rules.frequent_slips
    regular = frequency >= rules.regular_slips
    high = monetary >= rules.high_spend
    medium = monetary >= rules.medium_spend
    if recent and frequent and (high or medium):
        return "champions"
    if not drifting and regular and (high or medium):
        return "loyal"
    if not drifting and high:
        return "big_spenders"
    if recent:
        return "promising"
    if not drifting:
        return "needs_attention"
    if regular or medium:
        return "at_risk"
    return "hibernating"


@pytest.mark.parametrize(
    "rules",
    [
        SegmentRules(),
        SegmentRules(
            recent_months=1,
            drift_months=3,
            frequent_slips=2,
            regular_slips=1,
            high_spend=Decimal("900"),
            medium_spend=Decimal("300"),
        ),
    ],
)
def test_segments_match_hand_scoring(club, rules):
    by_member: dict[int, list[PurchaseSlip]] = defaultdict(list)
    for slip in PurchaseSlip.objects.filter(status=PurchaseSlip.Status.SUBMITTED):
        if local_month(slip.purchased_at) <= LAST:
            by_member[slip.member_id].append(slip)
    expected = Counter(expected_segment(slips, rules) for slips in by_member.values())
    cutoff = (
        date(2026, 4 - rules.drift_months + 1, 1)
        if rules.drift_months < 4
        else date(2025, 12 + 4 - rules.drift_months + 1, 1)
    )
    never = Member.objects.filter(joined_on__lt=cutoff).exclude(pk__in=list(by_member))

    counts = count_segments(every_city(), rules)

    assert {key: value for key, value in counts.items() if key != NEVER_BOUGHT} == dict(
        expected
    )
    assert counts[NEVER_BOUGHT] == never.count()
    drifting = {
        member_id
        for member_id, slips in by_member.items()
        if expected_segment(slips, rules) in ("at_risk", "hibernating")
    }
    listed = set(
        segment_members(every_city(), rules, "drifting").values_list("pk", flat=True)
    )
    assert listed == drifting


def test_event_figures_match_registrations(club):
    event = make_event(city=club.jinan)
    statuses = [
        Registration.Status.CONFIRMED,
        Registration.Status.ATTENDED,
        Registration.Status.ATTENDED,
        Registration.Status.NO_SHOW,
        Registration.Status.CANCELLED,
    ]
    for member, status in zip(club.members, statuses, strict=False):
        Registration.objects.create(
            event=event,
            member=member,
            member_key=member.pk,
            card=member.cards.get(),
            seats=2,
            status=status,
        )
    month = timezone.localtime(event.starts_at).date().replace(day=1)
    filters = ReportFilters(city_ids=None, first_month=month, last_month=month)

    rows = count_registrations(filters)

    expected: dict[int, Counter] = defaultdict(Counter)
    for member, status in zip(club.members, statuses, strict=False):
        expected[member.city_id][status] += 1
    assert {row["member__city_id"] for row in rows} == set(expected)
    for row in rows:
        counted = expected[row["member__city_id"]]
        assert row["total"] == sum(counted.values())
        assert row["seats"] == 2 * sum(counted.values())
        for status in Registration.Status:
            assert row[status.value] == counted[status.value], status


def test_activity_effectiveness_matches_members(club):
    filters = every_city()
    won = Member.objects.filter(joined_on__gte=FIRST, joined_on__lte=date(2026, 4, 30))
    spend_since_joining: dict[int, Decimal] = defaultdict(Decimal)
    for slip in PurchaseSlip.objects.filter(status=PurchaseSlip.Status.SUBMITTED):
        spend_since_joining[slip.member_id] += slip.total

    rows = activity_rows(filters)

    for activity in {member.signup_activity for member in won}:
        members = [member for member in won if member.signup_activity == activity]
        buyers = [member for member in members if member.pk in spend_since_joining]
        assert rows[activity].won == len(members)
        assert rows[activity].buyers == len(buyers)
        assert rows[activity].won_spend == sum(
            (spend_since_joining[member.pk] for member in buyers), Decimal("0")
        )
        in_period = sum(
            (
                slip.total
                for slip in PurchaseSlip.objects.filter(
                    status=PurchaseSlip.Status.SUBMITTED,
                    member__signup_activity=activity,
                )
                if FIRST <= local_month(slip.purchased_at) <= LAST
            ),
            Decimal("0"),
        )
        assert rows[activity].spend == in_period
