"""Desk pages for card batches and cards.

A card's status and household change only through the services, which the
workflow's buttons (WorkflowAdminMixin) and the list actions below call, so
the change form shows them read-only.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from unfold.decorators import action
from unfold.forms import BaseDialogForm
from unfold.widgets import UnfoldAdminSelectWidget, UnfoldAdminTextInputWidget

from lq_crm.core.admin import CityScopedAdminMixin, DocumentAdmin, WorkflowAdminMixin
from lq_crm.core.scoping import visible_to
from lq_crm.doctype.card import services
from lq_crm.doctype.card.export import card_csv_response
from lq_crm.doctype.card.models import Card, CardBatch
from lq_crm.doctype.member.filters import HouseholdFilter
from lq_crm.doctype.member.models import Member
from lq_crm.doctype.slip.models import PurchaseSlip

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
    actions_detail = ["export_batch_csv"]

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
        return (*fields, *BATCH_FIELDS, "cards_link")

    @admin.display(description=gettext_lazy("cards"))
    def cards_link(self, batch: CardBatch) -> str:
        url = reverse("admin:card_card_changelist")
        count = batch.card_count  # type: ignore[attr-defined]
        text = ngettext(
            "%(count)d card of this batch", "%(count)d cards of this batch", count
        ) % {"count": count}
        return format_html(
            '<a href="{}?batch__id__exact={}" class="text-link">{}</a>',
            url,
            batch.pk,
            text,
        )

    @action(
        description=gettext_lazy("Export cards as CSV for the printer"),
        permissions=["view"],
    )
    def export_batch_csv(
        self, request: HttpRequest, object_id: str
    ) -> HttpResponseBase:
        batch = get_object_or_404(self.get_queryset(request), pk=object_id)
        cards = visible_to(Card.objects.filter(batch=batch), request.user)
        return card_csv_response(request, cards, f"cards-{batch.number}.csv")

    def has_delete_permission(
        self, request: HttpRequest, obj: CardBatch | None = None
    ) -> bool:
        return False

    def add_view(
        self,
        request: HttpRequest,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponseBase:
        # The form checked the serials, but a batch or card saved by someone
        # else since then makes generate_batch raise CardError. The add view's
        # transaction has rolled back by the time the error arrives here.
        try:
            return super().add_view(request, form_url, extra_context)
        except services.CardError as error:
            messages.error(request, str(error))
            return HttpResponseRedirect(request.get_full_path())

    def save_model(
        self, request: HttpRequest, obj: Any, form: Any, change: bool
    ) -> None:
        if change:
            return
        services.generate_batch(obj, user=request.user)

    @admin.action(description=gettext_lazy("Export cards as CSV for the printer"))
    def export_csv(
        self, request: HttpRequest, queryset: QuerySet[CardBatch]
    ) -> HttpResponseBase:
        cards = visible_to(Card.objects.filter(batch__in=queryset), request.user)
        return card_csv_response(request, cards, "cards.csv")


class IssueForm(BaseDialogForm):
    member = forms.CharField(
        widget=UnfoldAdminTextInputWidget,
        label=gettext_lazy("household number"),
        max_length=32,
        help_text=gettext_lazy("The household's number, such as M-2026-000123."),
    )
    basis = forms.ChoiceField(
        widget=UnfoldAdminSelectWidget,
        label=gettext_lazy("admission basis"),
        choices=[
            (basis.value, basis.label)
            for basis in Card.AdmissionBasis
            if basis in services.ISSUE_BASES
        ],
    )
    note = forms.CharField(
        widget=UnfoldAdminTextInputWidget,
        label=gettext_lazy("admission note"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Describe the photo or the product box shown."),
    )
    slip = forms.CharField(
        widget=UnfoldAdminTextInputWidget,
        label=gettext_lazy("qualifying slip"),
        max_length=32,
        required=False,
        help_text=gettext_lazy("For a qualifying purchase: the slip's number."),
    )

    def clean_member(self) -> Member:
        number = self.cleaned_data["member"]
        members = visible_to(Member.objects.all(), self.request.user)
        member = members.by_number(number).first()  # type: ignore[attr-defined]
        if member is None:
            raise forms.ValidationError(
                _("Household %(number)s was not found in your cities.")
                % {"number": number}
            )
        return member

    def clean_slip(self) -> PurchaseSlip | None:
        number = self.cleaned_data["slip"].strip()
        if not number:
            return None

        slips = visible_to(PurchaseSlip.objects.all(), self.request.user)
        slip = slips.by_number(number).first()  # type: ignore[attr-defined]
        if slip is None:
            raise forms.ValidationError(
                _("Slip %(number)s was not found in your cities.") % {"number": number}
            )
        return slip


class ReplaceForm(BaseDialogForm):
    new_card_number = forms.CharField(
        widget=UnfoldAdminTextInputWidget,
        label=gettext_lazy("new card number"),
        max_length=32,
        required=False,
        help_text=gettext_lazy(
            "The card in stock to give; leave empty to take the lowest serial."
        ),
    )


@admin.register(Card)
class CardAdmin(CityScopedAdminMixin, WorkflowAdminMixin, DocumentAdmin):
    workflow_action_forms = {"issue": IssueForm, "replace": ReplaceForm}
    workflow_errors = (services.CardError,)
    list_display = [
        "card_number",
        "status",
        "member",
        "batch",
        "serial",
        "issued_at",
    ]
    list_filter = ["status", "batch", "legacy", HouseholdFilter]
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
