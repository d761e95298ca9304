"""merge_members and undo_merge: nothing lost, everything put back."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from lq_crm.doctype.card.models import Card
from lq_crm.doctype.card.services import find_card, get_usable_card
from lq_crm.doctype.event.allocation import register
from lq_crm.doctype.event.models import Registration
from lq_crm.doctype.member.models import HouseholdPerson, Member
from lq_crm.doctype.points.models import PointsLedgerEntry
from lq_crm.doctype.points.services import balance
from lq_crm.doctype.region.models import Region
from lq_crm.doctype.slip.models import PurchaseSlip
from lq_crm.doctype.tier.models import TierChange
from lq_crm.duplicates.merging import (
    AlreadyMerged,
    AlreadyUndone,
    MergeError,
    merge_members,
    undo_merge,
)
from lq_crm.duplicates.models import DuplicateCandidate, Merge
from lq_crm.duplicates.services import record_candidates
from lq_crm.imports.summary import club_summary
from lq_crm.notify.models import Notification
from lq_crm.reports.aggregates import check_aggregates
from lq_crm.reports.models import HouseholdCount, SignupMonth
from tests.events.builders import departure_of, make_event, persons
from tests.factories import (
    CardFactory,
    HouseholdPersonFactory,
    MemberFactory,
    submitted_slip,
)

pytestmark = pytest.mark.django_db


def household(city: Region, name: str, phone: str, spend: str = "") -> Card:
    card = CardFactory(member=MemberFactory(name=name, phone=phone, city=city))
    HouseholdPersonFactory(member=card.member, name=f"{name}的家人")
    if spend:
        submitted_slip(card, spend)
    return card


def counts(member: Member) -> dict[str, int]:
    return {
        "slips": PurchaseSlip.objects.filter(member=member).count(),
        "ledger": PointsLedgerEntry.objects.filter(member=member).count(),
        "cards": Card.objects.filter(member=member).count(),
        "persons": HouseholdPerson.objects.filter(member=member).count(),
        "tier_changes": TierChange.objects.filter(member=member).count(),
        "registrations": Registration.objects.filter(member=member).count(),
        "notifications": Notification.objects.filter(member=member).count(),
    }


@pytest.fixture
def pair(jinan: Region) -> tuple[Card, Card]:
    survivor = household(jinan, "王小明", "+8613900000001", "300.00")
    merged = household(jinan, "王 小明", "+8613900000002", "300.00")
    submitted_slip(merged, "20.00")
    return survivor, merged


def test_merge_keeps_every_row(
    pair: tuple[Card, Card], head_office_admin: User
) -> None:
    survivor_card, merged_card = pair
    survivor, merged = survivor_card.member, merged_card.member
    before = {
        name: counts(survivor)[name] + counts(merged)[name] for name in counts(survivor)
    }
    moved_before = sum(counts(merged).values())
    points_before = balance(survivor) + balance(merged)

    merge = merge_members(survivor, merged, user=head_office_admin)

    after = counts(survivor)
    for name, total in before.items():
        if name in {"tier_changes", "notifications"}:
            continue
        assert after[name] == total, name
    assert counts(merged)["slips"] == 0
    assert balance(survivor) == points_before
    merged.refresh_from_db()
    assert merged.merged_into == survivor
    assert merge.status == Merge.Status.DONE
    assert merge.rows.count() == moved_before


def test_merge_recomputes_tier_and_notifies_once(
    pair: tuple[Card, Card], head_office_admin: User
) -> None:
    survivor, merged = pair[0].member, pair[1].member
    assert survivor.tier.code == "ordinary"

    merge_members(survivor, merged, user=head_office_admin)
    with pytest.raises(AlreadyMerged):
        merge_members(survivor, merged, user=head_office_admin)

    survivor.refresh_from_db()
    merged.refresh_from_db()
    assert survivor.qualifying_spend == Decimal("620.00")
    assert survivor.tier.code == "vip"
    assert merged.qualifying_spend == Decimal("0.00")
    change = TierChange.objects.get(member=survivor, cause=TierChange.Cause.MERGE)
    assert change.to_tier.code == "vip"
    messages = Notification.objects.filter(key=f"tier-change:{change.pk}")
    assert messages.count() == 1
    assert TierChange.objects.filter(cause=TierChange.Cause.MERGE).count() == 1


def test_merge_history_rows_have_reason(
    pair: tuple[Card, Card], head_office_admin: User
) -> None:
    survivor, merged = pair[0].member, pair[1].member

    merge = merge_members(survivor, merged, user=head_office_admin)

    card_history = Card.history.filter(id=pair[1].pk).latest("history_date")
    member_history = Member.history.filter(id=merged.pk).latest("history_date")
    assert merge.number in card_history.history_change_reason
    assert card_history.history_user == head_office_admin
    assert card_history.member_id == survivor.pk
    assert merge.number in member_history.history_change_reason


def test_merged_household_findable(
    pair: tuple[Card, Card], head_office_admin: User
) -> None:
    survivor, merged = pair[0].member, pair[1].member

    merge_members(survivor, merged, user=head_office_admin)

    assert find_card(pair[1].card_number).member == survivor
    assert get_usable_card(pair[1].card_number).member == survivor
    assert Member.objects.unmerged().filter(pk=merged.pk).exists() is False


def test_double_merge_refused_cleanly(
    pair: tuple[Card, Card], head_office_admin: User, jinan: Region
) -> None:
    survivor, merged = pair[0].member, pair[1].member
    third = MemberFactory(city=jinan)
    merge = merge_members(survivor, merged, user=head_office_admin)
    rows = merge.rows.count()

    with pytest.raises(AlreadyMerged) as repeated:
        merge_members(survivor, merged, user=head_office_admin)
    with pytest.raises(MergeError, match="undo that merge first"):
        merge_members(merged, survivor, user=head_office_admin)
    with pytest.raises(MergeError, match="undo that merge first"):
        merge_members(third, merged, user=head_office_admin)
    with pytest.raises(MergeError, match="two different"):
        merge_members(survivor, survivor, user=head_office_admin)

    assert repeated.value.merge == merge
    assert Merge.objects.count() == 1
    assert merge.rows.count() == rows


def test_merge_fills_blanks_survivor_wins(
    jinan: Region, head_office_admin: User
) -> None:
    survivor = MemberFactory(
        name="王小明",
        email="",
        occupation="教师",
        city=jinan,
        custom={"wechat": "wxm", "hobby": ""},
    )
    merged = MemberFactory(
        name="王小明",
        email="w@example.com",
        occupation="工人",
        city=jinan,
        birth_year=1960,
        custom={"wechat": "other", "hobby": "书法"},
    )
    survivor_email = survivor.email

    merge = merge_members(survivor, merged, user=head_office_admin)
    survivor.refresh_from_db()

    assert survivor.email == "w@example.com"
    assert survivor.occupation == "教师"
    assert survivor.birth_year == 1960
    assert survivor.custom == {"wechat": "wxm", "hobby": "书法"}

    undo_merge(merge, user=head_office_admin)
    survivor.refresh_from_db()

    assert survivor.email == survivor_email
    assert survivor.birth_year is None
    assert survivor.custom == {"wechat": "wxm", "hobby": ""}


def test_undo_restores_everything(
    pair: tuple[Card, Card], head_office_admin: User
) -> None:
    survivor, merged = pair[0].member, pair[1].member
    survivor_counts, merged_counts = counts(survivor), counts(merged)
    survivor_points, merged_points = balance(survivor), balance(merged)
    survivor_slips = set(PurchaseSlip.objects.filter(member=survivor))

    merge = merge_members(survivor, merged, user=head_office_admin)
    undo_merge(merge, user=head_office_admin)
    with pytest.raises(AlreadyUndone):
        undo_merge(merge, user=head_office_admin)

    survivor.refresh_from_db()
    merged.refresh_from_db()
    merge.refresh_from_db()
    assert merge.status == Merge.Status.UNDONE
    assert merged.merged_into is None
    assert balance(survivor) == survivor_points
    assert balance(merged) == merged_points
    assert set(PurchaseSlip.objects.filter(member=survivor)) == survivor_slips
    assert survivor.qualifying_spend == Decimal("300.00")
    assert merged.qualifying_spend == Decimal("320.00")
    assert survivor.tier.code == "ordinary"
    for name in ("slips", "ledger", "cards", "persons", "registrations"):
        assert counts(survivor)[name] == survivor_counts[name], name
        assert counts(merged)[name] == merged_counts[name], name
    assert find_card(pair[1].card_number).member == merged
    assert merge.undo_notes == []


def test_merge_again_after_undo(
    pair: tuple[Card, Card], head_office_admin: User
) -> None:
    survivor, merged = pair[0].member, pair[1].member
    first = merge_members(survivor, merged, user=head_office_admin)
    undo_merge(first, user=head_office_admin)

    second = merge_members(merged, survivor, user=head_office_admin)

    assert second.pk != first.pk
    assert Card.objects.filter(member=merged).count() == 2


def test_merge_marks_candidate_and_undo_reopens(
    pair: tuple[Card, Card], head_office_admin: User
) -> None:
    survivor, merged = pair[0].member, pair[1].member
    Member.objects.filter(pk=merged.pk).update(phone=survivor.phone)
    record_candidates([merged.pk])
    candidate = DuplicateCandidate.objects.get()

    merge = merge_members(survivor, merged, user=head_office_admin)
    candidate.refresh_from_db()
    assert candidate.status == DuplicateCandidate.Status.MERGED
    assert merge.candidate == candidate

    undo_merge(merge, user=head_office_admin)
    candidate.refresh_from_db()
    assert candidate.status == DuplicateCandidate.Status.OPEN


def test_registrations_collapse_and_release_seat(
    jinan: Region, head_office_admin: User
) -> None:
    event = make_event(capacity=3)
    survivor_card = household(jinan, "张伟", "+8613900000011")
    merged_card = household(jinan, "章伟", "+8613900000012")
    waiting_card = household(jinan, "李四", "+8613900000013")
    kept = register(event, survivor_card, persons(1))
    cancelled = register(event, merged_card, persons(2))
    waiting = register(event, waiting_card, persons(1), waitlist_rest=True)
    assert kept.status == cancelled.status == Registration.Status.CONFIRMED
    assert waiting.status == Registration.Status.WAITLISTED

    merge = merge_members(
        survivor_card.member, merged_card.member, user=head_office_admin
    )

    kept.refresh_from_db()
    cancelled.refresh_from_db()
    waiting.refresh_from_db()
    assert kept.status == Registration.Status.CONFIRMED
    assert cancelled.status == Registration.Status.CANCELLED
    assert cancelled.member == survivor_card.member
    assert waiting.status == Registration.Status.CONFIRMED
    assert departure_of(event).seats_taken == 2
    assert len(merge.collapsed_registrations) == 1
    assert Registration.objects.filter(member=survivor_card.member).count() == 2

    undo_merge(merge, user=head_office_admin)
    cancelled.refresh_from_db()
    merge.refresh_from_db()
    assert cancelled.member == merged_card.member
    again = Registration.objects.get(member_key=merged_card.member.pk)
    assert again.status == Registration.Status.WAITLISTED
    assert again.seats == 2
    assert "registered again" in merge.undo_notes[0]


def test_registration_in_better_state_kept(
    jinan: Region, head_office_admin: User
) -> None:
    event = make_event(capacity=2)
    survivor_card = household(jinan, "张伟", "+8613900000011")
    merged_card = household(jinan, "章伟", "+8613900000012")
    confirmed = register(event, merged_card, persons(2))
    waitlisted = register(event, survivor_card, persons(1), waitlist_rest=True)

    merge = merge_members(
        survivor_card.member, merged_card.member, user=head_office_admin
    )

    confirmed.refresh_from_db()
    waitlisted.refresh_from_db()
    assert confirmed.member == survivor_card.member
    assert confirmed.member_key == survivor_card.member.pk
    assert confirmed.status == Registration.Status.CONFIRMED
    assert waitlisted.status == Registration.Status.CANCELLED
    assert merge.collapsed_registrations[0]["side"] == "survivor"

    undo_merge(merge, user=head_office_admin)
    confirmed.refresh_from_db()
    assert confirmed.member == merged_card.member
    assert confirmed.member_key == merged_card.member.pk


def test_undo_explains_registration_not_restored(
    jinan: Region, head_office_admin: User
) -> None:
    event = make_event(capacity=5)
    survivor_card = household(jinan, "张伟", "+8613900000011")
    merged_card = household(jinan, "章伟", "+8613900000012")
    register(event, survivor_card, persons(1))
    register(event, merged_card, persons(1))
    merge = merge_members(
        survivor_card.member, merged_card.member, user=head_office_admin
    )
    event.status = event.Status.CLOSED
    event.save(update_fields=["status"])

    undo_merge(merge, user=head_office_admin)

    merge.refresh_from_db()
    assert len(merge.undo_notes) == 1
    assert "stays cancelled" in merge.undo_notes[0]


def test_undo_notes_rows_changed_since(
    pair: tuple[Card, Card], head_office_admin: User
) -> None:
    survivor, merged = pair[0].member, pair[1].member
    Member.objects.filter(pk=survivor.pk).update(email="")
    Member.objects.filter(pk=merged.pk).update(email="merged@example.com")
    person = HouseholdPerson.objects.get(member=merged)
    merge = merge_members(survivor, merged, user=head_office_admin)
    person.delete()
    Member.objects.filter(pk=survivor.pk).update(email="new@example.com")

    undo_merge(merge, user=head_office_admin)

    merge.refresh_from_db()
    survivor.refresh_from_db()
    assert survivor.email == "new@example.com"
    assert any("deleted after the merge" in note for note in merge.undo_notes)
    assert any("changed after the merge" in note for note in merge.undo_notes)
    assert Card.objects.get(pk=pair[1].pk).member == merged


def test_report_aggregates_follow_merge_and_undo(
    pair: tuple[Card, Card], head_office_admin: User
) -> None:
    survivor, merged = pair[0].member, pair[1].member
    assert not any(check_aggregates().values())

    merge = merge_members(survivor, merged, user=head_office_admin)
    after_merge = check_aggregates()
    undo_merge(merge, user=head_office_admin)
    after_undo = check_aggregates()

    assert not any(after_merge.values()), after_merge
    assert not any(after_undo.values()), after_undo


def counted_households() -> tuple[int, int]:
    """Return the households in the sign-up table and in the count table."""
    signed_up = sum(SignupMonth.objects.values_list("households", flat=True))
    now = sum(HouseholdCount.objects.values_list("households", flat=True))
    return signed_up, now


def test_merged_household_counted_once(
    pair: tuple[Card, Card], head_office_admin: User
) -> None:
    survivor, merged = pair[0].member, pair[1].member
    before = club_summary()
    assert counted_households() == (2, 2)

    merge = merge_members(survivor, merged, user=head_office_admin)

    assert counted_households() == (1, 1)
    after = club_summary()
    assert after["households"] == before["households"] - 1
    assert sum(after["tiers"].values()) == after["households"]
    assert after["slips"] == before["slips"]
    assert after["points"] == before["points"]

    undo_merge(merge, user=head_office_admin)

    assert counted_households() == (2, 2)
    assert club_summary() == before
