"""Import card numbers: add cards in stock, or issue them to households.

A row with only a card number adds the card in stock. With a household
phone (and optionally the household's name) the card is issued to that
household. Card numbers must have the printed length and a valid Damm
check digit. A card already on file, and already where the row puts it, is
unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lq_crm.core.bulk import insert_history, insert_rows
from lq_crm.doctype.card.models import Card
from lq_crm.doctype.card.services import save_card
from lq_crm.doctype.member.models import Member
from lq_crm.imports.cleaning import (
    CleaningError,
    clean_card_number,
    clean_name,
    clean_phone,
    name_key,
)
from lq_crm.imports.columns import Column, ColumnMap
from lq_crm.imports.context import ImportContext
from lq_crm.imports.engine import CREATE, UNCHANGED, UPDATE, Importer, Pending
from lq_crm.imports.source import SourceRow

CARD_COLUMNS = (
    Column(
        "card_number",
        gettext_lazy("card number"),
        ("卡号", "会员卡号", "cardno", "card"),
        required=True,
    ),
    Column(
        "phone",
        gettext_lazy("household phone"),
        ("会员电话", "户主电话", "电话", "手机", "household phone"),
    ),
    Column(
        "name", gettext_lazy("household name"), ("会员姓名", "户主姓名", "姓名", "name")
    ),
)

USABLE = {Card.Status.ISSUED, Card.Status.ACTIVE}


@dataclass
class CardRow:
    card_number: str
    phone: str
    name_key: str
    member: Member | None = None


class CardImporter(Importer):
    kind = "cards"
    model = Card
    columns = CARD_COLUMNS
    add_permission = "card.add_card"
    change_permission = "card.change_card"

    def __init__(self, context: ImportContext, columns: ColumnMap) -> None:
        super().__init__(context, columns)
        # Households that an earlier row of this file was planned to get a
        # card. A preview writes nothing, so the database cannot show them.
        self.issued_households: set[int] = set()

    def parse(self, row: SourceRow) -> CardRow:
        number = clean_card_number(
            self.value(row, "card_number"), self.context.card_lengths
        )
        if not number.isdigit():
            raise CleaningError(
                _(
                    "Card number %(card)s is not digits only: only printed cards "
                    "with a check digit can be imported."
                )
                % {"card": number}
            )
        phone_text = self.value(row, "phone")
        name_text = self.value(row, "name")
        return CardRow(
            card_number=number,
            phone=clean_phone(phone_text) if phone_text.strip() else "",
            name_key=name_key(clean_name(name_text)) if name_text.strip() else "",
        )

    def file_keys(self, data: CardRow) -> list[str]:
        return [f"card:{data.card_number}"]

    def plan(self, rows: list[Pending], *, lock: bool) -> None:
        cards = Card.objects.filter(
            card_number__in=[row.data.card_number for row in rows]
        )
        if lock:
            cards = cards.select_for_update()
        on_file = {card.card_number: card for card in cards}
        households = self.households([row.data.phone for row in rows if row.data.phone])
        holders = set(
            Card.objects.filter(
                member_id__in=[m.pk for ms in households.values() for m in ms],
                status__in=USABLE,
            ).values_list("member_id", flat=True)
        )
        holders |= self.issued_households
        for row in rows:
            data: CardRow = row.data
            if data.phone:
                try:
                    data.member = self.find_household(data, households)
                except LookupError as error:
                    row.fail(str(error.args[0]))
                    continue
            self.plan_card(row, on_file.get(data.card_number), holders)

    def households(self, phones: list[str]) -> dict[str, list[Member]]:
        found: dict[str, list[Member]] = {}
        for member in Member.objects.filter(phone__in=phones).order_by("pk"):
            found.setdefault(member.phone, []).append(member)
        return found

    def find_household(
        self, data: CardRow, households: dict[str, list[Member]]
    ) -> Member:
        members = households.get(data.phone, [])
        if data.name_key:
            members = [m for m in members if name_key(m.name) == data.name_key]
        if not members:
            raise LookupError(
                _("No household has this phone and name: import the household first.")
            )
        if len(members) > 1:
            raise LookupError(
                _("Several households have this phone: add the household's name.")
            )
        return members[0]

    def plan_card(self, row: Pending, card: Card | None, holders: set[int]) -> None:
        member = row.data.member
        city_id = member.city_id if member is not None else None
        if member is not None and not self.context.in_scope(city_id):
            row.fail(self.context.scope_message(city_id))
            return
        if member is None and self.context.city_ids is not None and card is None:
            row.fail(
                _(
                    "Only head office may add cards in stock: give the household "
                    "phone to issue the card, or ask head office."
                )
            )
            return

        row.target = card
        if card is not None and (member is None or card.member_id == member.pk):
            row.action = UNCHANGED
            return
        if card is not None and card.status != Card.Status.IN_STOCK:
            row.fail(
                _("Card %(card)s is already issued to another household.")
                % {"card": card.card_number}
            )
            return
        if member is not None and member.pk in holders:
            row.fail(
                _(
                    "This household already holds a card: report it lost or "
                    "block it before a new card is issued."
                )
            )
            return

        self.decide(row, CREATE if card is None else UPDATE)
        if member is not None and row.action in {CREATE, UPDATE}:
            holders.add(member.pk)
            self.issued_households.add(member.pk)

    def write(self, rows: list[Pending]) -> None:
        now = timezone.now()
        created = []
        note = _("Issued by the import of %(file)s") % {"file": self.context.file_name}
        for row in rows:
            data: CardRow = row.data
            member = data.member
            if row.action == CREATE:
                created.append(
                    Card(
                        card_number=data.card_number,
                        status=Card.Status.ISSUED if member else Card.Status.IN_STOCK,
                        member_id=member.pk if member else None,
                        issued_at=now if member else None,
                        admission_basis=Card.AdmissionBasis.LEGACY if member else "",
                        admission_note=note if member else "",
                        owner_id=self.context.user_id,
                    )
                )
                continue

            card: Card = row.target
            card.member_id = member.pk if member else None
            card.status = Card.Status.ISSUED
            card.issued_at = now
            card.admission_basis = Card.AdmissionBasis.LEGACY
            card.admission_note = note
            save_card(
                card,
                ["member", "status", "issued_at", "admission_basis", "admission_note"],
                self.context.user,
                self.context.change_reason,
            )

        if created:
            insert_rows(created)
            insert_history(
                created,
                user=self.context.user,
                change_reason=self.context.change_reason,
            )
