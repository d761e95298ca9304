"""Slip entry by card number, the card look-up it uses, and the city's slips."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from lq_crm.doctype.card.models import Card
from lq_crm.doctype.card.services import CardError
from lq_crm.doctype.slip.models import PurchaseSlip
from lq_crm.doctype.slip.services import DuplicateReceiptError, SlipError
from lq_crm.doctype.store.models import Store
from lq_crm.portal.office.forms import LineFormSet, SearchForm, SlipForm
from lq_crm.portal.office.masking import card_summary, member_name
from lq_crm.portal.office.services import enter_slip, find_city_card
from lq_crm.portal.office.views.base import SLIP_ENTRY_PERMISSIONS, OfficePage

STORE_SESSION_KEY = "office_portal_store"
LINES_PREFIX = "lines"


class CityCardsMixin(OfficePage):
    def city_cards(self) -> QuerySet[Card]:
        return self.rows(Card.objects.select_related("member__tier"))

    def city_stores(self) -> QuerySet[Store]:
        return self.rows(Store.objects.filter(active=True)).order_by("code")

    def find_card(self, number: str) -> Card:
        """Return the usable card of a household of the city, or raise CardError."""
        return find_city_card(number, self.city_cards())


class CardLookupView(CityCardsMixin):
    """Return the household of a card of the city as JSON, masked for the role."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        number = request.GET.get("number", "").strip()
        if not number:
            return JsonResponse({"error": _("Type the card number first.")}, status=400)

        try:
            card = self.find_card(number)
        except CardError as error:
            return JsonResponse({"error": str(error)}, status=404)

        return JsonResponse(card_summary(card, request.user))


class SlipEntryView(CityCardsMixin):
    template_name = "office_portal/slip_entry.html"
    permissions = SLIP_ENTRY_PERMISSIONS

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        initial = {
            "store": self.default_store(),
            "card_number": request.GET.get("card", ""),
        }
        form = SlipForm(initial=initial, stores=self.city_stores())
        return self.show(form, LineFormSet(prefix=LINES_PREFIX))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = SlipForm(request.POST, stores=self.city_stores())
        lines = LineFormSet(request.POST, prefix=LINES_PREFIX)
        if not (form.is_valid() and lines.is_valid()):
            return self.show(form, lines)

        data = form.cleaned_data
        store = data["store"]
        self.require_writable(PurchaseSlip(store=store))
        try:
            card = self.find_card(data["card_number"])
            slip = enter_slip(
                card, store, data["receipt_number"], lines.lines(), request.user
            )
        except DuplicateReceiptError as error:
            if error.existing.card_id == card.pk:
                return self.repeated(error)
            form.add_error("receipt_number", str(error))
            return self.show(form, lines)
        except CardError as error:
            form.add_error("card_number", str(error))
            return self.show(form, lines)
        except SlipError as error:
            form.add_error(None, str(error))
            return self.show(form, lines)

        request.session[STORE_SESSION_KEY] = store.pk
        messages.success(
            request,
            _("Slip %(slip)s saved: ¥%(total)s on card %(card)s.")
            % {"slip": slip.number, "total": slip.total, "card": card.card_number},
        )
        return redirect("office_portal:slip", pk=slip.pk)

    def repeated(self, error: DuplicateReceiptError) -> HttpResponse:
        """Show the slip that an earlier submit of the same receipt saved."""
        messages.warning(
            self.request,
            _("%(error)s Nothing was added; this is the slip saved before.")
            % {"error": error},
        )
        return redirect("office_portal:slip", pk=error.existing.pk)

    def default_store(self) -> Store | None:
        stores = self.city_stores()
        store_id = self.request.session.get(STORE_SESSION_KEY)
        if store_id is not None:
            store = stores.filter(pk=store_id).first()
            if store is not None:
                return store

        first_two = list(stores[:2])
        return first_two[0] if len(first_two) == 1 else None

    def show(self, form: SlipForm, lines: Any) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form, lines=lines))


class SlipListView(OfficePage):
    template_name = "office_portal/slip_list.html"
    permissions = ("slip.view_purchaseslip",)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        search = SearchForm(self.request.GET)
        slips = self.rows(
            PurchaseSlip.objects.select_related("card", "store", "member")
        )
        query = search.cleaned_data["q"].strip() if search.is_valid() else ""
        if query:
            slips = slips.filter(slip_search(query))
        page = self.paginate(slips.order_by("-purchased_at", "-pk"))
        for slip in page:
            slip.member_display = member_name(slip.member, self.request.user)
        context.update(search=search, query=query, page=page)
        return context


def slip_search(query: str) -> Q:
    """Match a slip number, a receipt number or a card number."""
    condition = Q(receipt_number=query) | Q(card__card_number="".join(query.split()))
    pk = PurchaseSlip.objects.by_number(query).values_list("pk", flat=True)
    return condition | Q(pk__in=list(pk))


class SlipDetailView(OfficePage):
    template_name = "office_portal/slip_detail.html"
    permissions = ("slip.view_purchaseslip",)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        slip = self.get_row(
            PurchaseSlip.objects.select_related("card", "store", "member__tier"),
            kwargs["pk"],
        )
        context.update(
            slip=slip,
            lines=slip.lines.select_related("category", "product"),
            member_display=member_name(slip.member, self.request.user),
        )
        return context
