"""Find cards by number and move them through their life."""

from __future__ import annotations

from django.utils.translation import gettext as _

from lq_crm.doctype.card.models import Card


class CardError(Exception):
    """A card number that cannot be used, with what to do about it."""


def get_usable_card(card_number: str) -> Card:
    """Return the issued or active card with this number, or raise CardError."""
    number = card_number.strip()
    card = (
        Card.objects.select_related("member", "replaced_by")
        .filter(card_number=number)
        .first()
    )
    if card is None:
        raise CardError(
            _("Card %(card)s was not found: check the number on the card.")
            % {"card": number}
        )
    if card.member_id is None:
        raise CardError(
            _("Card %(card)s has not been issued to a household yet.")
            % {"card": number}
        )
    if card.status == Card.Status.REPLACED and card.replaced_by is not None:
        raise CardError(
            _("Card %(card)s was replaced by card %(new)s: use the new card.")
            % {"card": number, "new": card.replaced_by.card_number}
        )
    if not card.usable:
        raise CardError(
            _("Card %(card)s is %(status)s and cannot be used.")
            % {"card": number, "status": card.get_status_display()}
        )

    return card
