"""A household's cards and record lists on its desk page, per desk user."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext_lazy

from lq_crm.doctype.card.models import Card
from lq_crm.doctype.member.models import Member
from lq_crm.doctype.points.models import PointsLedgerEntry
from lq_crm.doctype.slip.models import PurchaseSlip
from lq_crm.doctype.tier.models import TierChange

# The lists of a household's rows that the member page links to, each with
# the text of its count. Each of their admins has the HouseholdFilter, which
# the links set.
RECORD_LISTS: tuple[tuple[type[models.Model], Any], ...] = (
    (Card, ngettext_lazy("%(count)d card", "%(count)d cards", "count")),
    (
        PurchaseSlip,
        ngettext_lazy("%(count)d purchase slip", "%(count)d purchase slips", "count"),
    ),
    (
        PointsLedgerEntry,
        ngettext_lazy(
            "%(count)d points ledger entry",
            "%(count)d points ledger entries",
            "count",
        ),
    ),
    (
        TierChange,
        ngettext_lazy("%(count)d tier change", "%(count)d tier changes", "count"),
    ),
)


@dataclass(frozen=True)
class RecordLink:
    """The count of a household's rows in one list and the list's address."""

    text: str
    url: str


@dataclass(frozen=True)
class HouseholdRecords:
    """A household's cards and record lists, as one desk user may see them.

    ``card_urls`` maps a card's primary key to its change page, and is empty
    when the user may not view cards.
    """

    cards: list[Card]
    card_urls: dict[int, str]
    lists: list[RecordLink]


def collect_records(
    member: Member, request: HttpRequest, site: admin.AdminSite
) -> HouseholdRecords:
    """Count and link the household's rows through the admins that list them.

    Each count comes from the linked admin's own queryset, so it equals the
    rows that its changelist shows the user. Slips follow their store's city,
    so a regional office neither counts nor lists its household's slip at
    another city's store. A list the user may not view is left out.
    """
    lists = []
    for model, count_text in RECORD_LISTS:
        model_admin = site.get_model_admin(model)
        if not model_admin.has_view_permission(request):
            continue

        count = model_admin.get_queryset(request).filter(member=member).count()
        url = changelist_url(site, model, member)
        lists.append(RecordLink(count_text % {"count": count}, url))

    card_admin = site.get_model_admin(Card)
    cards = list(card_admin.get_queryset(request).filter(member=member))
    # The usable card comes first, then the others from the newest.
    cards.sort(key=lambda card: (not card.usable, -card.pk))
    card_urls = {}
    if card_admin.has_view_permission(request):
        card_urls = {
            card.pk: reverse(f"{site.name}:card_card_change", args=[card.pk])
            for card in cards
        }
    return HouseholdRecords(cards, card_urls, lists)


def changelist_url(
    site: admin.AdminSite, model: type[models.Model], member: Member
) -> str:
    meta = model._meta
    url = reverse(f"{site.name}:{meta.app_label}_{meta.model_name}_changelist")
    return f"{url}?member={member.pk}"


def describe_card(card: Card, url: str | None, mark_current: bool) -> SafeString:
    """Render a card's number, linked when ``url`` is given, with its status."""
    number = card.card_number
    if url is not None:
        number = format_html('<a href="{}" class="text-link">{}</a>', url, number)
    status = card.get_status_display()
    if mark_current and card.usable:
        status = gettext("%(status)s, current card") % {"status": status}
    return format_html(gettext("{card} ({status})"), card=number, status=status)
