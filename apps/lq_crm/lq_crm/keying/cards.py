"""Check a card number typed from a paper form: its check digit and its status."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext as _

from lq_crm.core.scoping import User, visible_to
from lq_crm.doctype.card.models import Card
from lq_crm.doctype.card.services import CardError, check_card_number, find_card
from lq_crm.doctype.member.models import Member


class CardState(StrEnum):
    MISSING = "missing"
    MISTYPED = "mistyped"
    NOT_FOUND = "not_found"
    IN_STOCK = "in_stock"
    HOUSEHOLD_CARD = "household_card"
    ISSUED = "issued"
    UNUSABLE = "unusable"


@dataclass(frozen=True)
class CardCheck:
    """The result of checking a typed card number, shown beside the field.

    ``usable`` is true for a card in stock, which the form will issue, and
    for the usable card of the household being updated.
    """

    number: str
    state: CardState
    message: str
    card: Card | None = None

    @property
    def usable(self) -> bool:
        return self.state in {CardState.IN_STOCK, CardState.HOUSEHOLD_CARD}


def check_typed_card(
    number: str, user: User, household: Member | None = None
) -> CardCheck:
    """Check the card number's check digit and whether the form may use the card.

    A card issued to another household is named only when the user may see
    that household. Otherwise the message states only that it is issued.
    """
    cleaned = "".join(number.split())
    if not cleaned:
        return CardCheck(
            cleaned,
            CardState.MISSING,
            _("The card number is missing: copy it from the card."),
        )

    try:
        card = find_card(cleaned, Card.objects.select_related("member"))
    except CardError as error:
        return CardCheck(cleaned, not_found_state(cleaned), str(error))

    return describe_card(card, user, household)


def not_found_state(number: str) -> CardState:
    try:
        check_card_number(number)
    except CardError:
        return CardState.MISTYPED

    return CardState.NOT_FOUND


def describe_card(card: Card, user: User, household: Member | None) -> CardCheck:
    number = card.card_number
    if card.status == Card.Status.IN_STOCK:
        return CardCheck(
            number,
            CardState.IN_STOCK,
            _("Card %(card)s is in stock and will be issued with this form.")
            % {"card": number},
            card,
        )
    if not card.usable:
        return CardCheck(
            number,
            CardState.UNUSABLE,
            _(
                "Card %(card)s is %(status)s and cannot be used: take a card in "
                "stock, or the household's current card."
            )
            % {"card": number, "status": card.get_status_display()},
            card,
        )
    if household is not None and card.member_id == household.pk:
        return CardCheck(
            number,
            CardState.HOUSEHOLD_CARD,
            _("Card %(card)s is the card of household %(member)s.")
            % {"card": number, "member": household.number},
            card,
        )

    return CardCheck(number, CardState.ISSUED, issued_message(card, user), card)


def issued_message(card: Card, user: User) -> str:
    visible = visible_to(Member.objects.filter(cards=card), user).first()
    if visible is None:
        return _(
            "Card %(card)s is already issued to a household of another city: "
            "check the number, or take a card in stock."
        ) % {"card": card.card_number}

    return _(
        "Card %(card)s is already issued to household %(member)s %(name)s: to "
        "record this form for that household, choose it as the household to "
        "update; otherwise take a card in stock."
    ) % {"card": card.card_number, "member": visible.number, "name": visible.name}
