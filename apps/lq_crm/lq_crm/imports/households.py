"""Find the household a row refers to, by its card number or its phone."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from lq_crm.doctype.card.models import Card
from lq_crm.doctype.member.models import Member


class HouseholdLookup:
    """The households of one chunk, by card number and by phone."""

    def __init__(self, card_numbers: Iterable[str], phones: Iterable[str]) -> None:
        self.cards: dict[str, dict[str, Any]] = {
            card["card_number"]: dict(card)
            for card in Card.objects.filter(
                card_number__in=list(set(card_numbers))
            ).values("pk", "card_number", "member_id", "status")
        }
        self.by_phone: dict[str, list[Member]] = {}
        for member in Member.objects.filter(phone__in=list(set(phones))).order_by("pk"):
            self.by_phone.setdefault(member.phone, []).append(member)
        card_members = [c["member_id"] for c in self.cards.values() if c["member_id"]]
        self.by_pk = {m.pk: m for m in Member.objects.filter(pk__in=card_members)}
        for members in self.by_phone.values():
            self.by_pk.update({member.pk: member for member in members})

    def find(self, card_number: str, phone: str) -> Member:
        """Return the household, or raise LookupError with what is wrong."""
        if card_number:
            card = self.cards.get(card_number)
            if card is None or card["member_id"] is None:
                raise LookupError(
                    _(
                        "Card %(card)s is not issued to any household: check the "
                        "number, or import the household first."
                    )
                    % {"card": card_number}
                )
            return self.by_pk[card["member_id"]]

        members = self.by_phone.get(phone, [])
        if not members:
            raise LookupError(
                _(
                    "No household has this phone number: import the household "
                    "first, or give its card number."
                )
            )
        if len(members) > 1:
            raise LookupError(
                _(
                    "%(count)s households have this phone number: give the card "
                    "number to say which one."
                )
                % {"count": len(members)}
            )
        return members[0]
