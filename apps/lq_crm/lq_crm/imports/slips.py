"""Import a purchase history as households, legacy cards and submitted slips.

The importer applies the club's rules in bulk instead of calling
``submit_slip`` once per row. Each row becomes a submitted slip with one
line. The line's points come from ``line_points`` with the category's rate
and the club's rounding, and its ledger key is ``earn:<line id>``, as
``submit_slip`` writes it. Each household's qualifying spend and tier are
computed from its rows before the household is inserted.

Customers are written in chunks, one transaction per chunk, and a customer's
rows never span two chunks, so a failure leaves no half-written customer.
Rows already imported are skipped: households are recognised by
(legacy source, legacy id) and slips by (store, receipt number).

Migrated tiers send no notifications. The households crossed those
thresholds long ago, in another system, and a burst of thousands of
upgrade messages about old purchases would only confuse them. Each new
household gets one TierChange (from no tier to its tier, cause MIGRATION)
so that every migrated tier can be traced to the spend it was computed from.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from lq_crm.core.bulk import insert_history, insert_rows
from lq_crm.doctype.card.models import Card
from lq_crm.doctype.club.models import ClubSettings
from lq_crm.doctype.member.models import Member
from lq_crm.doctype.points.models import PointsLedgerEntry
from lq_crm.doctype.product.models import ProductCategory
from lq_crm.doctype.region.models import Region
from lq_crm.doctype.slip.models import PurchaseSlip, PurchaseSlipLine
from lq_crm.doctype.slip.services import line_points, recompute_spend
from lq_crm.doctype.store.models import Store
from lq_crm.doctype.tier.models import Tier, TierChange
from lq_crm.doctype.tier.services import apply_tier, tier_for_spend
from lq_crm.imports.models import ImportRecord
from lq_crm.imports.profiles import ImportProfile, ProfileError
from lq_crm.imports.reader import PurchaseRow, RowError, read_purchases
from lq_crm.reports.aggregates import count_signups, count_slips

logger = logging.getLogger(__name__)

KIND = "slips"
# About 3,000 rows per transaction for CDNOW.
DEFAULT_CHUNK_SIZE = 1000
# The ImportRecord message lists this many bad rows, and the command prints all.
RECORDED_ERRORS = 100

Progress = Callable[[int, int], None]
ModelT = TypeVar("ModelT", Member, Card, PurchaseSlip)


class ImportFailed(Exception):
    """The file cannot be imported as it is, with what to fix."""


@dataclass(frozen=True)
class ImportContext:
    profile: ImportProfile
    store: Store
    category: ProductCategory
    rounding: str
    tiers: list[Tier]
    user: AbstractBaseUser | None

    @property
    def change_reason(self) -> str:
        return f"Imported with profile {self.profile.name}"


@dataclass
class ChunkCounts:
    households: int = 0
    cards: int = 0
    slips: int = 0
    skipped: int = 0
    tier_changes: int = 0

    def add(self, other: ChunkCounts) -> None:
        self.households += other.households
        self.cards += other.cards
        self.slips += other.slips
        self.skipped += other.skipped
        self.tier_changes += other.tier_changes


@dataclass
class ImportResult:
    record: ImportRecord
    rows: int
    counts: ChunkCounts
    errors: list[RowError] = field(default_factory=list)


def import_slips(
    path: Path,
    profile: ImportProfile,
    *,
    user: AbstractBaseUser | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: Progress | None = None,
) -> ImportResult:
    """Import every good row of ``path`` and record the run as an ImportRecord."""
    read = read_purchases(path, profile)
    rows_read = len(read.rows) + len(read.errors)
    record = ImportRecord.objects.create(
        kind=KIND,
        profile=profile.name,
        file_name=path.name,
        checksum=read.checksum,
        user_id=user.pk if user is not None else None,
        rows=rows_read,
        error_count=len(read.errors),
    )
    logger.info(
        "Import %s started: %s with profile %s, %s rows, %s bad rows",
        record.pk,
        path.name,
        profile.name,
        rows_read,
        len(read.errors),
    )

    counts = ChunkCounts()
    try:
        context = prepare_context(profile, user)
        by_customer = group_by_customer(read.rows)
        keys = list(by_customer)
        for start in range(0, len(keys), chunk_size):
            chunk = {key: by_customer[key] for key in keys[start : start + chunk_size]}
            with transaction.atomic():
                counts.add(import_chunk(context, chunk))
            if progress is not None:
                progress(min(start + chunk_size, len(keys)), len(keys))
    except Exception as error:
        record.status = ImportRecord.Status.FAILED
        record.message = f"Failed after {counts.slips} slips: {error}"
        finish(record, counts)
        logger.exception("Import %s failed after %s slips", record.pk, counts.slips)
        raise

    record.status = ImportRecord.Status.DONE
    record.message = describe(counts, read.errors)
    finish(record, counts)
    logger.info(
        "Import %s done: %s households, %s cards, %s slips created, "
        "%s rows skipped, %s bad rows",
        record.pk,
        counts.households,
        counts.cards,
        counts.slips,
        counts.skipped,
        len(read.errors),
    )
    return ImportResult(
        record=record, rows=rows_read, counts=counts, errors=read.errors
    )


def finish(record: ImportRecord, counts: ChunkCounts) -> None:
    record.created_count = counts.slips
    record.skipped_count = counts.skipped
    record.finished_at = timezone.now()
    record.save()


def describe(counts: ChunkCounts, errors: list[RowError]) -> str:
    lines = [
        f"Created {counts.households} households, {counts.cards} cards, "
        f"{counts.slips} slips and {counts.tier_changes} tier changes; "
        f"skipped {counts.skipped} rows already imported; {len(errors)} bad rows."
    ]
    lines.extend(str(error) for error in errors[:RECORDED_ERRORS])
    if len(errors) > RECORDED_ERRORS:
        lines.append(
            f"... and {len(errors) - RECORDED_ERRORS} more bad rows, "
            "printed by the import command."
        )
    return "\n".join(lines)


def prepare_context(
    profile: ImportProfile, user: AbstractBaseUser | None
) -> ImportContext:
    category = ProductCategory.objects.filter(code=profile.category).first()
    if category is None:
        raise ProfileError(
            f"Product category {profile.category!r} of profile {profile.name} "
            "was not found: run sync_fixtures or fix the profile."
        )

    return ImportContext(
        profile=profile,
        store=default_store(profile),
        category=category,
        rounding=ClubSettings.load().points_rounding,
        tiers=list(Tier.objects.all()),
        user=user,
    )


def default_store(profile: ImportProfile) -> Store:
    """Return the profile's store, created in the profile's city if missing."""
    store = Store.objects.select_related("city").filter(code=profile.store_code)
    if existing := store.first():
        return existing

    city = Region.objects.cities().filter(name=profile.store_city).first()
    if city is None:
        raise ProfileError(
            f"City {profile.store_city!r} of profile {profile.name} was not "
            "found: run sync_fixtures or use a city name from the region list."
        )
    created, _created = Store.objects.get_or_create(
        code=profile.store_code, defaults={"name": profile.store_name, "city": city}
    )
    logger.info("Created store %s for import profile %s", created.code, profile.name)
    return created


def group_by_customer(rows: list[PurchaseRow]) -> dict[str, list[PurchaseRow]]:
    """Group rows by customer key, in order of each customer's first row."""
    groups: dict[str, list[PurchaseRow]] = {}
    for row in rows:
        groups.setdefault(row.customer_key, []).append(row)
    return groups


def import_chunk(
    context: ImportContext, rows_by_key: dict[str, list[PurchaseRow]]
) -> ChunkCounts:
    """Write one chunk of customers inside the transaction the caller opened."""
    counts = ChunkCounts()
    profile = context.profile

    # 1. Find what an earlier run wrote, and keep only the new rows.
    found = (
        Member.objects.select_for_update()
        .filter(legacy_source=profile.legacy_source, legacy_id__in=list(rows_by_key))
        .values_list("legacy_id", "pk")
    )
    members = {str(legacy_id): pk for legacy_id, pk in found}
    seen = existing_receipts(context, rows_by_key, list(members.values()))
    new_rows = {
        key: [row for row in rows if row.receipt_number not in seen]
        for key, rows in rows_by_key.items()
    }
    counts.skipped = sum(len(rows) for rows in rows_by_key.values()) - sum(
        len(rows) for rows in new_rows.values()
    )

    # 2. Households and cards for customers seen for the first time.
    created = create_members(context, new_rows, exclude=set(members))
    counts.households = len(created)
    counts.tier_changes = len(created)
    members.update({str(member.legacy_id): member.pk for member in created})
    cards = find_or_create_cards(context, new_rows, members, counts)

    # 3. Slips, their lines and their points.
    counts.slips = create_slips(context, new_rows, members, cards)

    # 4. Recompute spend and tier of earlier households that gained slips.
    created_keys = {str(member.legacy_id) for member in created}
    for key, rows in new_rows.items():
        if rows and key not in created_keys:
            refresh_member(context, members[key])

    return counts


def existing_receipts(
    context: ImportContext,
    rows_by_key: dict[str, list[PurchaseRow]],
    member_ids: list[int],
) -> set[str]:
    """Return the chunk's receipt numbers already recorded at the store.

    Live slips are found through the (store, receipt_key) index. A cancelled
    slip has no receipt key, so the known households' slips are also matched
    by receipt number: a re-import must not bring back what was cancelled.
    """
    numbers = [row.receipt_number for rows in rows_by_key.values() for row in rows]
    slips = PurchaseSlip.objects.filter(store=context.store)
    seen = set(
        slips.filter(receipt_key__in=numbers).values_list("receipt_number", flat=True)
    )
    if member_ids:
        seen.update(
            slips.filter(
                member_id__in=member_ids, receipt_number__in=numbers
            ).values_list("receipt_number", flat=True)
        )
    return seen


def create_members(
    context: ImportContext,
    rows_by_key: dict[str, list[PurchaseRow]],
    exclude: set[str],
) -> list[Member]:
    """Insert the new households with their final spend and tier, and tier changes.

    A household whose rows were all skipped (its slips exist under another
    household) is still created, with zero spend, so that its card exists.
    """
    profile = context.profile
    members = []
    for key, rows in rows_by_key.items():
        if key in exclude:
            continue
        spend = qualifying_spend(context, rows)
        first = min((row.purchased_at for row in rows), default=timezone.localtime())
        members.append(
            Member(
                name=profile.household_name.format(key=key),
                city_id=context.store.city_id,
                signup_activity=Member.SignupActivity.LEGACY,
                signup_store=context.store,
                joined_on=first.date(),
                qualifying_spend=spend,
                tier=tier_for_spend(spend, context.tiers),
                legacy_source=profile.legacy_source,
                legacy_id=key,
                owner_id=context.user.pk if context.user is not None else None,
            )
        )
    if not members:
        return []

    created = create_with_history(context, members, Member)
    count_signups([member.pk for member in created])
    insert_rows(
        [
            TierChange(
                member=member,
                from_tier=None,
                to_tier=member.tier,
                cause=TierChange.Cause.MIGRATION,
                spend=member.qualifying_spend,
                changed_by_id=context.user.pk if context.user is not None else None,
            )
            for member in created
        ]
    )
    return created


def qualifying_spend(context: ImportContext, rows: list[PurchaseRow]) -> Decimal:
    if not context.category.qualifying:
        return Decimal("0.00")

    return sum((row.amount for row in rows), Decimal("0.00"))


def find_or_create_cards(
    context: ImportContext,
    rows_by_key: dict[str, list[PurchaseRow]],
    members: dict[str, int],
    counts: ChunkCounts,
) -> dict[str, Card]:
    """Return each customer's legacy card, creating the missing ones."""
    profile = context.profile
    numbers = {profile.card_number.format(key=key): key for key in rows_by_key}
    cards: dict[str, Card] = {}
    for card in Card.objects.filter(card_number__in=list(numbers)):
        key = numbers[card.card_number]
        if card.member_id != members[key]:
            raise ImportFailed(
                f"Card {card.card_number} already exists and belongs to another "
                f"household than {profile.legacy_source} customer {key}: "
                "renumber one of them or change the profile's card_number."
            )
        cards[key] = card

    missing = []
    for number, key in numbers.items():
        if key in cards:
            continue
        first = min(
            (row.purchased_at for row in rows_by_key[key]), default=timezone.now()
        )
        missing.append(
            Card(
                card_number=number,
                status=Card.Status.ACTIVE,
                member_id=members[key],
                issued_at=first,
                admission_basis=Card.AdmissionBasis.LEGACY,
                admission_note=f"Imported with profile {profile.name}",
                legacy=True,
                owner_id=context.user.pk if context.user is not None else None,
            )
        )
    for card in create_with_history(context, missing, Card):
        cards[numbers[card.card_number]] = card
    counts.cards = len(missing)
    return cards


def create_slips(
    context: ImportContext,
    rows_by_key: dict[str, list[PurchaseRow]],
    members: dict[str, int],
    cards: dict[str, Card],
) -> int:
    """Insert submitted slips with one line each and their earn entries."""
    rows = [row for key_rows in rows_by_key.values() for row in key_rows]
    if not rows:
        return 0

    owner_id = context.user.pk if context.user is not None else None
    slips = [
        PurchaseSlip(
            card=cards[row.customer_key],
            member_id=members[row.customer_key],
            store=context.store,
            receipt_number=row.receipt_number,
            receipt_key=row.receipt_number,
            purchased_at=row.purchased_at,
            status=PurchaseSlip.Status.SUBMITTED,
            total=row.amount,
            source=PurchaseSlip.Source.IMPORT,
            # The purchase was paid and counted at the time, in the old system.
            submitted_at=row.purchased_at,
            owner_id=owner_id,
        )
        for row in rows
    ]
    slips = create_with_history(context, slips, PurchaseSlip)

    rate = context.category.point_rate
    lines = [
        PurchaseSlipLine(
            slip=slip,
            category=context.category,
            quantity=row.quantity,
            amount=row.amount,
            points=line_points(row.amount, rate, context.rounding),
        )
        for slip, row in zip(slips, rows, strict=True)
    ]
    insert_rows(lines)
    count_slips([slip.pk for slip in slips])
    insert_rows(
        [
            PointsLedgerEntry(
                key=f"earn:{line.pk}",
                member_id=slip.member_id,
                card_id=slip.card_id,
                slip=slip,
                slip_line=line,
                kind=PointsLedgerEntry.Kind.EARN,
                points=line.points,
                # Dated at the purchase, so balances on past dates are right.
                created=slip.purchased_at,
            )
            for slip, line in zip(slips, lines, strict=True)
        ]
    )
    return len(slips)


def refresh_member(context: ImportContext, member_id: int) -> None:
    """Recompute an earlier household's spend and move its tier, silently."""
    member = Member.objects.get(pk=member_id)
    recompute_spend(member)
    apply_tier(
        member,
        cause=TierChange.Cause.MIGRATION,
        user=context.user,
        tiers=context.tiers,
        notify=False,
    )


def create_with_history(
    context: ImportContext, objects: list[ModelT], model: type[ModelT]
) -> list[ModelT]:
    """Insert ``objects`` and one simple-history row each, in the open transaction."""
    insert_rows(objects)
    insert_history(objects, user=context.user, change_reason=context.change_reason)
    return objects
