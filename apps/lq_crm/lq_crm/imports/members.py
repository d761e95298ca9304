"""Import member households from the sign-up forms keyed into a spreadsheet.

A row matches a household on file by its card number, or else by the same
phone and the same name (spaces ignored). A matched household is updated
with the row's non-empty cells. A row that would change nothing is counted
as unchanged, so importing a file twice changes nothing the second time.
A card number of a card in stock issues that card to the household.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import CharField
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lq_crm.core.bulk import copy_history, insert_rows, new_objects
from lq_crm.customize.values import merge_values
from lq_crm.doctype.card.models import Card
from lq_crm.doctype.member.models import Member
from lq_crm.doctype.store.models import Store
from lq_crm.doctype.tier.services import tier_for_spend
from lq_crm.duplicates.keys import refresh_keys
from lq_crm.imports.cities import FROM_ADDRESS, FROM_COLUMN, choose_city
from lq_crm.imports.cleaning import (
    CleaningError,
    birth_year_from_age,
    check_length,
    clean_birth_year,
    clean_card_number,
    clean_gender,
    clean_name,
    clean_phone,
    clean_text,
    name_key,
    text_limit,
)
from lq_crm.imports.columns import Column
from lq_crm.imports.engine import CREATE, UNCHANGED, UPDATE, Importer, Pending
from lq_crm.imports.source import SourceRow
from lq_crm.reports.aggregates import count_signups
from lq_crm.workflow.engine import apply_transition

MEMBER_COLUMNS = (
    Column(
        "name", gettext_lazy("name"), ("姓名", "会员姓名", "户主姓名"), required=True
    ),
    Column(
        "phone",
        gettext_lazy("phone"),
        ("电话", "手机", "手机号", "手机号码", "联系电话", "mobile"),
        required=True,
    ),
    Column("gender", gettext_lazy("gender"), ("性别", "sex")),
    Column("address", gettext_lazy("address"), ("地址", "住址", "家庭住址")),
    Column("city", gettext_lazy("city"), ("城市", "所在城市", "地市")),
    Column("store", gettext_lazy("store"), ("门店", "卖场", "门店编码", "store code")),
    Column("occupation", gettext_lazy("occupation"), ("职业", "job")),
    Column(
        "birth_year", gettext_lazy("birth year"), ("出生年份", "出生年", "birthyear")
    ),
    Column("age", gettext_lazy("age"), ("年龄",)),
    Column(
        "card_number",
        gettext_lazy("card number"),
        ("卡号", "会员卡号", "cardno", "card"),
    ),
    Column("email", gettext_lazy("email"), ("邮箱", "电子邮件", "e-mail")),
)

COLUMN_LABELS = {column.key: column.label for column in MEMBER_COLUMNS}
# Free-text columns and the max_length of their model fields.
TEXT_LIMITS = {
    key: int(cast(CharField, Member._meta.get_field(key)).max_length or 0)
    for key in ("address", "occupation")
}
EMAIL_MAX_LENGTH = text_limit(Member, "email")

# Model fields a row may set, compared with the household on file.
MEMBER_FIELDS = (
    "name",
    "phone",
    "gender",
    "address",
    "occupation",
    "birth_year",
    "email",
    "city_id",
    "signup_store_id",
)


@dataclass
class MemberRow:
    values: dict[str, Any]
    name_key: str
    card_number: str = ""
    city_from_column: bool = False
    city_error: str = ""
    custom: dict[str, Any] = field(default_factory=dict)
    card: dict[str, Any] | None = None


class MemberImporter(Importer):
    kind = "members"
    model = Member
    columns = MEMBER_COLUMNS
    add_permission = "member.add_member"
    change_permission = "member.change_member"

    def parse(self, row: SourceRow) -> MemberRow:
        name = clean_name(self.value(row, "name"))
        phone_text = self.value(row, "phone")
        if not phone_text.strip():
            raise CleaningError(
                _("The phone number is missing: copy it from the form.")
            )
        values: dict[str, Any] = {"name": name, "phone": clean_phone(phone_text)}

        if gender := self.value(row, "gender").strip():
            values["gender"] = clean_gender(gender)
        for key, limit in TEXT_LIMITS.items():
            if text := clean_text(self.value(row, key)):
                values[key] = check_length(text, limit, COLUMN_LABELS[key])
        if year := self.value(row, "birth_year").strip():
            values["birth_year"] = clean_birth_year(year, self.context.today)
        elif age := self.value(row, "age").strip():
            values["birth_year"] = birth_year_from_age(age, self.context.today)
        if email := clean_text(self.value(row, "email")):
            check_length(email, EMAIL_MAX_LENGTH, COLUMN_LABELS["email"])
            try:
                validate_email(email)
            except ValidationError:
                raise CleaningError(
                    _("Email %(email)s is invalid.") % {"email": email}
                ) from None
            values["email"] = email

        store = self.parse_store(row)
        if store is not None:
            values["signup_store_id"] = store.pk
        # A row without a city can still update a household on file, so the
        # missing city fails only a row that would create one.
        city_error = ""
        city_source = ""
        try:
            city = choose_city(
                self.value(row, "city"), store, values.get("address", ""), self.context
            )
        except CleaningError as error:
            city_error = str(error)
        else:
            city_source = city.source
            values["city_id"] = city.city.pk
            if not self.context.in_scope(city.city.pk):
                raise CleaningError(self.context.scope_message(city.city.pk))
        if city_source == FROM_ADDRESS:
            self.notes["city_from_address"] += 1

        card_text = self.value(row, "card_number")
        card_number = (
            clean_card_number(card_text, self.context.card_lengths)
            if card_text.strip()
            else ""
        )
        return MemberRow(
            values=values,
            name_key=name_key(name),
            card_number=card_number,
            city_from_column=city_source == FROM_COLUMN,
            city_error=city_error,
            custom=self.custom_values(row),
        )

    def parse_store(self, row: SourceRow) -> Store | None:
        text = self.value(row, "store").strip()
        if not text:
            return None

        store = self.context.find_store(text)
        if store is None:
            raise CleaningError(
                _(
                    "Store %(store)s was not found: use a store code or name "
                    "from the desk."
                )
                % {"store": text}
            )
        return store

    def file_keys(self, data: MemberRow) -> list[str]:
        keys = [f"phone:{data.values['phone']}:{data.name_key}"]
        if data.card_number:
            keys.append(f"card:{data.card_number}")
        return keys

    def plan(self, rows: list[Pending], *, lock: bool) -> None:
        numbers = [row.data.card_number for row in rows if row.data.card_number]
        cards: dict[str, dict[str, Any]] = {
            card["card_number"]: dict(card)
            for card in Card.objects.filter(card_number__in=numbers).values(
                "pk", "card_number", "member_id", "status"
            )
        }
        phones = {row.data.values["phone"] for row in rows}
        card_members = {
            card["member_id"] for card in cards.values() if card["member_id"]
        }
        members = Member.objects.filter(phone__in=phones) | Member.objects.filter(
            pk__in=card_members
        )
        if lock:
            members = members.select_for_update()
        by_pk = {member.pk: member for member in members}
        by_phone: dict[tuple[str, str], Member] = {}
        for member in sorted(by_pk.values(), key=lambda m: m.pk):
            by_phone.setdefault((member.phone, name_key(member.name)), member)
        holders = set(
            Card.objects.filter(
                member_id__in=list(by_pk),
                status__in=[Card.Status.ISSUED, Card.Status.ACTIVE],
            ).values_list("member_id", flat=True)
        )

        for row in rows:
            self.plan_row(row, cards, by_pk, by_phone, holders)

    def plan_row(
        self,
        row: Pending,
        cards: dict[str, dict[str, Any]],
        by_pk: dict[int, Member],
        by_phone: dict[tuple[str, str], Member],
        holders: set[int],
    ) -> None:
        data: MemberRow = row.data
        member = by_phone.get((data.values["phone"], data.name_key))
        if data.card_number:
            card = cards.get(data.card_number)
            if card is None:
                row.fail(
                    _(
                        "Card %(card)s was not found: import the cards first, or "
                        "check the number on the card."
                    )
                    % {"card": data.card_number}
                )
                return
            if card["member_id"] is not None:
                member = by_pk[card["member_id"]]
            elif card["status"] != Card.Status.IN_STOCK:
                row.fail(
                    _("Card %(card)s is not in stock, so it cannot be issued.")
                    % {"card": data.card_number}
                )
                return
            elif not self.context.may_issue_cards:
                row.fail(
                    _(
                        "Your role may not issue cards: ask the service centre "
                        "to import this row, or leave its card number empty."
                    )
                )
                return
            elif member is not None and member.pk in holders:
                row.fail(
                    _(
                        "This household already holds a card: report it lost "
                        "or block it before a new card is issued."
                    )
                )
                return
            else:
                data.card = card

        if member is None:
            self.plan_create(row)
        else:
            self.plan_update(row, member)

    def plan_create(self, row: Pending) -> None:
        data: MemberRow = row.data
        if data.city_error:
            row.fail(data.city_error)
            return
        try:
            data.custom = self.complete_custom(row, data.custom)
        except CleaningError as error:
            row.fail(str(error))
            return
        self.decide(row, CREATE)

    def plan_update(self, row: Pending, member: Member) -> None:
        data: MemberRow = row.data
        if not self.context.in_scope(member.city_id):
            row.fail(self.context.scope_message(member.city_id))
            return

        values = dict(data.values)
        if not data.city_from_column:
            # A city taken from the store or the address is a guess that
            # never moves a household already on file.
            values.pop("city_id", None)
        changes = {
            key: value for key, value in values.items() if getattr(member, key) != value
        }
        custom = merge_values(member.custom, data.custom)
        row.target = member
        if not changes and custom == member.custom and data.card is None:
            row.action = UNCHANGED
            return

        data.values = changes
        data.custom = custom
        self.decide(row, UPDATE)

    def write(self, rows: list[Pending]) -> None:
        creates = [row for row in rows if row.action == CREATE]
        updates = [row for row in rows if row.action == UPDATE]
        created = self.create_members(creates)
        for row in updates:
            self.update_member(row)
        for row in [*creates, *updates]:
            if row.data.card is not None:
                self.issue_card(row)

        updated = [row.target for row in updates if row.target.merged_into_id is None]
        record_duplicates([*created, *updated])

    def create_members(self, rows: list[Pending]) -> list[Member]:
        if not rows:
            return []

        tier = tier_for_spend(
            Member._meta.get_field("qualifying_spend").get_default(), self.context.tiers
        )
        # One timestamp and date per chunk: the defaults would read the clock
        # once per row.
        created = timezone.now()
        joined_on = timezone.localdate(created)
        rows_values = [
            {
                **row.data.values,
                "created": created,
                "joined_on": joined_on,
                "custom": row.data.custom,
                "tier_id": tier.pk,
                "owner_id": self.context.user_id,
                "signup_activity": (
                    Member.SignupActivity.STORE
                    if row.data.values.get("signup_store_id")
                    else Member.SignupActivity.OTHER
                ),
            }
            for row in rows
        ]
        members = new_objects(Member, rows_values)
        for row, member in zip(rows, members, strict=True):
            # Bulk inserts skip the pre-save signal that sets the duplicate
            # blocking keys, so they are set here as that signal would.
            refresh_keys(member, self.context.cities[member.city_id].name)
            row.target = member
        insert_rows(members)
        ids = [member.pk for member in members]
        copy_history(
            Member,
            ids,
            user=self.context.user,
            change_reason=self.context.change_reason,
        )
        # The report aggregates count a household created through the ORM in
        # a post-save signal, which a bulk insert does not send.
        count_signups(ids)
        return members

    def update_member(self, row: Pending) -> None:
        member: Member = row.target
        data: MemberRow = row.data
        for key, value in data.values.items():
            setattr(member, key, value)
        member.custom = data.custom
        member._change_reason = self.context.change_reason  # type: ignore[attr-defined]
        if self.context.user is not None:
            member._history_user = self.context.user  # type: ignore[attr-defined]
        # The keys are always written, stale or not, because the duplicate
        # check of the chunk trusts them without reading the households again.
        # The cached city saves the pre-save signal a query for its name.
        member.city = self.context.cities[member.city_id]
        refresh_keys(member, member.city.name)
        fields = [key.removesuffix("_id") for key in data.values]
        member.save(
            update_fields=[*fields, "custom", "modified", "name_key", "address_key"]
        )

    def issue_card(self, row: Pending) -> None:
        card = Card.objects.get(pk=row.data.card["pk"])
        note = _("Issued by the import of %(file)s") % {"file": self.context.file_name}
        apply_transition(
            card,
            "issue",
            self.context.user,
            note=note,
            changes={
                "member_id": row.target.pk,
                "issued_at": timezone.now(),
                "admission_basis": Card.AdmissionBasis.LEGACY,
                "admission_note": note,
            },
        )


def record_duplicates(members: list[Member]) -> None:
    """Let the duplicates module find and record candidates for these households.

    The households were just written with current blocking keys, so they are
    passed as they are instead of being read again.
    """
    from lq_crm.duplicates.services import record_candidates_of

    record_candidates_of(members)
