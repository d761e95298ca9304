from django.contrib import admin
from unfold.admin import ModelAdmin

from lq_crm.core.admin import CityScopedAdminMixin, ReadOnlyAdminMixin
from lq_crm.doctype.member.filters import HouseholdFilter
from lq_crm.doctype.points.models import PointsLedgerEntry


@admin.register(PointsLedgerEntry)
class PointsLedgerEntryAdmin(ReadOnlyAdminMixin, CityScopedAdminMixin, ModelAdmin):
    """The points ledger is append-only: the desk shows it and never edits it.

    Entries come from submitting and cancelling slips; a correction is a new
    adjusting entry written by a service, never an edit of an old row.
    """

    # The key stops an entry from being written twice, so it is searchable but hidden.
    list_display = ["created", "member", "kind", "points", "slip", "card"]
    list_filter = ["kind", HouseholdFilter]
    search_fields = ["member__name", "=card__card_number", "=key"]
    list_select_related = ["member", "slip", "card"]
    date_hierarchy = "created"
