"""Desk pages for purchase slips.

A draft is edited like any form. Submitting, cancelling and amending are the
workflow's buttons, which WorkflowAdminMixin offers to the users whose roles
may take them and which call the slip services. A slip that left draft is
shown read-only, because a submitted slip is never edited.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet, Sum
from django.http import HttpRequest
from django.utils.translation import gettext_lazy
from unfold.admin import TabularInline
from unfold.forms import BaseDialogForm
from unfold.widgets import UnfoldAdminTextInputWidget

from lq_crm.core.admin import CityScopedAdminMixin, DocumentAdmin, WorkflowAdminMixin
from lq_crm.doctype.card.services import CardError, get_usable_card
from lq_crm.doctype.member.filters import HouseholdFilter
from lq_crm.doctype.slip.models import PurchaseSlip, PurchaseSlipLine
from lq_crm.doctype.slip.services import (
    DuplicateReceiptError,
    SlipError,
    find_live_slip,
)


class SlipLineInline(CityScopedAdminMixin, TabularInline):
    model = PurchaseSlipLine
    fields = ["category", "product", "quantity", "amount", "points"]
    readonly_fields = ["points"]
    extra = 1
    min_num = 1

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_draft(obj) and super().has_change_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_draft(obj) and super().has_add_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_draft(obj) and super().has_delete_permission(request, obj)


def is_draft(slip: PurchaseSlip | None) -> bool:
    return slip is None or slip.status == PurchaseSlip.Status.DRAFT


class CancelForm(BaseDialogForm):
    reason = forms.CharField(
        widget=UnfoldAdminTextInputWidget,
        label=gettext_lazy("reason"),
        max_length=200,
        help_text=gettext_lazy("Why the slip is cancelled, for the history."),
    )


class SlipForm(forms.ModelForm):
    # The desk user, set by the admin's get_form, limits which cards are found.
    user: Any = None

    card_number = forms.CharField(
        widget=UnfoldAdminTextInputWidget,
        label=gettext_lazy("card number"),
        max_length=32,
        help_text=gettext_lazy("Type or scan the number printed on the card."),
    )

    class Meta:
        model = PurchaseSlip
        fields = ["card_number", "store", "purchased_at", "receipt_number"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["card_number"].initial = self.instance.card.card_number

    def clean_card_number(self) -> str:
        number = self.cleaned_data["card_number"]
        try:
            self.instance.card = get_usable_card(
                number, self.user, with_household=False
            )
        except CardError as error:
            raise forms.ValidationError(str(error)) from None
        self.instance.member_id = self.instance.card.member_id
        return number

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        store = cleaned.get("store")
        receipt = (cleaned.get("receipt_number") or "").strip()
        if store is None or not receipt:
            return cleaned

        existing = find_live_slip(store, receipt)
        if existing is not None and existing.pk != self.instance.pk:
            raise forms.ValidationError(str(DuplicateReceiptError(existing)))
        cleaned["receipt_number"] = receipt
        self.instance.receipt_key = receipt
        return cleaned


@admin.register(PurchaseSlip)
class PurchaseSlipAdmin(CityScopedAdminMixin, WorkflowAdminMixin, DocumentAdmin):
    form = SlipForm
    workflow_action_forms = {"cancel": CancelForm}
    workflow_action_help = {
        "submit": gettext_lazy(
            "The household earns the points and spend of this slip at once. "
            "A submitted slip can only be cancelled, not edited."
        ),
        "cancel": gettext_lazy(
            "Its points and spend are reversed and the tier is re-evaluated."
        ),
        "amend": gettext_lazy(
            "A new draft is made from this cancelled slip for you to correct."
        ),
    }
    workflow_errors = (SlipError, CardError)
    inlines = [SlipLineInline]

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    list_display = [
        "number_display",
        "card",
        "member",
        "store",
        "purchased_at",
        "receipt_number",
        "total",
        "status",
    ]
    list_filter = ["status", "source", "store__city", "purchased_at", HouseholdFilter]
    list_select_related = ["card", "member", "store"]
    search_fields = ["receipt_number", "card__card_number", "member__name"]
    date_hierarchy = "purchased_at"
    readonly_fields = [
        "member",
        "status",
        "total",
        "source",
        "submitted_at",
        "cancelled_at",
        "cancel_reason",
        "amended_from",
    ]

    def get_readonly_fields(
        self, request: HttpRequest, obj: Any = None
    ) -> tuple[str, ...]:
        fields = super().get_readonly_fields(request, obj)
        if is_draft(obj):
            return fields
        return (*fields, "card", "store", "purchased_at", "receipt_number", "clerk")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if is_draft(obj):
            return [
                "card_number",
                "store",
                "purchased_at",
                "receipt_number",
                *self.readonly_fields,
            ]
        return [
            "number_display",
            "card",
            "store",
            "purchased_at",
            "receipt_number",
            "clerk",
            *self.readonly_fields,
            "owner",
            "created",
        ]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Submitted and cancelled slips open read-only.
        return is_draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return (
            obj is not None
            and is_draft(obj)
            and super().has_delete_permission(request, obj)
        )

    def save_model(
        self, request: HttpRequest, obj: PurchaseSlip, form: Any, change: bool
    ) -> None:
        if not change:
            obj.clerk_id = request.user.pk
            obj.source = PurchaseSlip.Source.DESK
        super().save_model(request, obj, form, change)

    def save_related(
        self, request: HttpRequest, form: Any, formsets: Any, change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)
        slip = form.instance
        total = slip.lines.aggregate(total=Sum("amount"))["total"]
        PurchaseSlip.objects.filter(pk=slip.pk).update(total=total or 0)

    def get_queryset(self, request: HttpRequest) -> QuerySet[PurchaseSlip]:
        return super().get_queryset(request).select_related("card", "member", "store")
