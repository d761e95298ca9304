"""Desk pages for card batches and cards.

A card's status and household change only through the services, which the
actions below call, so the change form shows them read-only.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lq_crm.core.admin import CityScopedAdminMixin, DocumentAdmin
from lq_crm.core.scoping import visible_to
from lq_crm.doctype.card import services
from lq_crm.doctype.card.export import card_csv_response
from lq_crm.doctype.card.models import Card, CardBatch

BATCH_FIELDS = ("prefix", "width", "first_serial", "quantity", "note")


class CardBatchForm(forms.ModelForm):
    class Meta:
        model = CardBatch
        fields = BATCH_FIELDS

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors or self.instance.pk is not None:
            return cleaned

        # The instance receives the cleaned values only after clean() returns.
        values = {name: cleaned[name] for name in BATCH_FIELDS}
        try:
            services.check_batch(CardBatch(**values))
        except services.CardError as error:
            raise forms.ValidationError(str(error)) from None
        return cleaned


@admin.register(CardBatch)
class CardBatchAdmin(DocumentAdmin):
    form = CardBatchForm
    list_display = [
        "number_display",
        "prefix",
        "width",
        "first_serial",
        "quantity",
        "in_stock_count",
        "given_out_count",
        "created",
    ]
    search_fields = ["note", "prefix"]
    actions = ["export_csv"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[CardBatch]:
        in_stock = Count("cards", filter=Q(cards__status=Card.Status.IN_STOCK))
        return (
            super()
            .get_queryset(request)
            .annotate(in_stock_count=in_stock, card_count=Count("cards"))
        )

    @admin.display(description=gettext_lazy("in stock"), ordering="in_stock_count")
    def in_stock_count(self, batch: CardBatch) -> int:
        return batch.in_stock_count  # type: ignore[attr-defined]

    @admin.display(description=gettext_lazy("given out"))
    def given_out_count(self, batch: CardBatch) -> int:
        return batch.card_count - batch.in_stock_count  # type: ignore[attr-defined]

    def get_readonly_fields(
        self, request: HttpRequest, obj: Any = None
    ) -> tuple[str, ...]:
        fields = super().get_readonly_fields(request, obj)
        if obj is None:
            return fields
        # A printed batch is never edited: its cards already carry its numbers.
        return (*fields, *BATCH_FIELDS)

    def has_delete_permission(
        self, request: HttpRequest, obj: CardBatch | None = None
    ) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: Any, form: Any, change: bool
    ) -> None:
        # NOTE: a batch saved by someone else between the form's check and this
        # save makes generate_batch raise CardError, which shows an error page.
        if change:
            return
        services.generate_batch(obj, user=request.user)

    @admin.action(description=gettext_lazy("Export cards as CSV for the printer"))
    def export_csv(
        self, request: HttpRequest, queryset: QuerySet[CardBatch]
    ) -> HttpResponseBase:
        cards = visible_to(Card.objects.filter(batch__in=queryset), request.user)
        return card_csv_response(request, cards, "cards.csv")


@admin.register(Card)
class CardAdmin(CityScopedAdminMixin, DocumentAdmin):
    list_display = [
        "card_number",
        "status",
        "member",
        "batch",
        "serial",
        "issued_at",
    ]
    list_filter = ["status", "batch", "legacy"]
    search_fields = ["card_number"]
    list_select_related = ["member", "batch"]
    readonly_fields = (
        "card_number",
        "batch",
        "serial",
        "status",
        "member",
        "issued_at",
        "admission_basis",
        "admission_slip",
        "admission_note",
        "replaced_by",
        "legacy",
    )
    actions = ["report_lost", "block", "unblock", "export_csv"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Cards are created by generating a batch or by importing legacy cards.
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: Card | None = None
    ) -> bool:
        return False

    def run_on_each(
        self,
        request: HttpRequest,
        queryset: QuerySet[Card],
        change: Any,
        done_message: str,
    ) -> None:
        """Apply a service to each selected card and report what failed."""
        done = 0
        for card in queryset:
            try:
                change(card, user=request.user)
            except services.CardError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, done_message % {"count": done})

    @admin.action(
        description=gettext_lazy("Report selected cards lost"), permissions=["change"]
    )
    def report_lost(self, request: HttpRequest, queryset: QuerySet[Card]) -> None:
        self.run_on_each(
            request, queryset, services.report_lost, _("%(count)s cards reported lost.")
        )

    @admin.action(
        description=gettext_lazy("Block selected cards"), permissions=["change"]
    )
    def block(self, request: HttpRequest, queryset: QuerySet[Card]) -> None:
        self.run_on_each(
            request, queryset, services.block_card, _("%(count)s cards blocked.")
        )

    @admin.action(
        description=gettext_lazy("Unblock selected cards"), permissions=["change"]
    )
    def unblock(self, request: HttpRequest, queryset: QuerySet[Card]) -> None:
        self.run_on_each(
            request, queryset, services.unblock_card, _("%(count)s cards unblocked.")
        )

    @admin.action(description=gettext_lazy("Export selected cards as CSV"))
    def export_csv(
        self, request: HttpRequest, queryset: QuerySet[Card]
    ) -> HttpResponseBase:
        return card_csv_response(request, queryset, "cards.csv")
