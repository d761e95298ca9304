"""The desk's household search: names, cards, numbers and phones."""

from __future__ import annotations

import re
import unicodedata

from django.db import models
from django.utils.text import smart_split, unescape_string_literal

from lq_crm.core.models import parse_number
from lq_crm.core.phones import InvalidPhoneError, normalise_phone
from lq_crm.doctype.card.models import Card
from lq_crm.doctype.member.models import HouseholdPerson, Member

# A search term of four digits, after NFKC folds full-width digits, is the end
# of a phone number as the masked phones in the list show it.
PHONE_ENDING = re.compile(r"\d{4}", re.ASCII)


def household_search(search_term: str) -> models.Q:
    """Return the condition that selects the households a desk search finds.

    Each word of the term, or each quoted phrase, must be in the name of the
    head, of a household person or of a household merged into this one, or
    be a card number. The whole term also finds a household by its number or
    by the number of a household merged into it. A phone finds the household
    whose head, household person or merged household has that phone. Four
    digits find the households whose head's phone ends with them.

    Related rows are matched through ``pk__in`` subqueries, which MariaDB
    10.11 materialises once (as EXPLAIN shows), so no household is joined to
    its persons or cards and the list needs no DISTINCT.
    """
    condition = models.Q.create(
        [word_condition(word) for word in search_words(search_term)]
    )
    number_pk = parse_number(Member, search_term)
    if number_pk is not None:
        merged = Member.objects.filter(pk=number_pk, merged_into__isnull=False)
        condition |= models.Q(pk=number_pk)
        condition |= models.Q(pk__in=merged.values("merged_into_id"))

    ending = phone_ending(search_term)
    if ending is not None:
        # NOTE: no index serves a suffix match, so this reads the phone of
        # every household in the user's cities. The name match on the same
        # term reads every row already, because "contains" uses no index.
        condition |= models.Q(phone__endswith=ending)

    try:
        phone = normalise_phone(search_term)
    except InvalidPhoneError:
        return condition

    persons = HouseholdPerson.objects.filter(phone=phone)
    merged = Member.objects.filter(phone=phone, merged_into__isnull=False)
    return (
        condition
        | models.Q(phone=phone)
        | models.Q(pk__in=persons.values("member_id"))
        | models.Q(pk__in=merged.values("merged_into_id"))
    )


def search_words(search_term: str) -> list[str]:
    """Split the term at spaces, keeping a quoted phrase as one word."""
    words = []
    for word in smart_split(search_term):
        if len(word) > 1 and word[0] in "\"'" and word[-1] == word[0]:
            word = unescape_string_literal(word)
        if word:
            words.append(word)
    return words


def word_condition(word: str) -> models.Q:
    persons = HouseholdPerson.objects.filter(name__icontains=word)
    merged = Member.objects.filter(name__icontains=word, merged_into__isnull=False)
    cards = Card.objects.filter(card_number=word)
    return (
        models.Q(name__icontains=word)
        | models.Q(pk__in=persons.values("member_id"))
        | models.Q(pk__in=merged.values("merged_into_id"))
        | models.Q(pk__in=cards.values("member_id"))
    )


def phone_ending(search_term: str) -> str | None:
    """Return the term as four ASCII digits if it is one, else None."""
    digits = unicodedata.normalize("NFKC", search_term).strip()
    return digits if PHONE_ENDING.fullmatch(digits) else None
