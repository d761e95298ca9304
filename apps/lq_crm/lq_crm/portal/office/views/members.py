"""The city's member households and their cards."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from lq_crm.doctype.card.models import Card
from lq_crm.doctype.event.models import Registration
from lq_crm.doctype.member.models import Member
from lq_crm.doctype.member.search import household_search
from lq_crm.doctype.slip.models import PurchaseSlip
from lq_crm.portal.office.forms import SearchForm
from lq_crm.portal.office.masking import member_address, member_name, member_phone
from lq_crm.portal.office.views.base import OfficePage

RECENT_ROWS = 10


class MemberListView(OfficePage):
    template_name = "office_portal/member_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        search = SearchForm(self.request.GET)
        members: QuerySet[Member] = self.rows(
            Member.objects.unmerged().select_related("tier")
        )
        query = search.cleaned_data["q"].strip() if search.is_valid() else ""
        if query:
            # The desk's search: names of anyone in the household, cards,
            # numbers, phones and their last four digits.
            members = members.filter(household_search(query))
        page = self.paginate(members.order_by("-pk"))
        user = self.request.user
        for member in page:
            member.name_display = member_name(member, user)
            member.phone_display = member_phone(member, user)
        context.update(search=search, query=query, page=page)
        return context


class MemberDetailView(OfficePage):
    template_name = "office_portal/member_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        member = self.get_row(
            Member.objects.with_points().select_related("tier", "district"),
            kwargs["pk"],
        )
        user = self.request.user
        slips = self.rows(PurchaseSlip.objects.filter(member=member))
        registrations = self.rows(Registration.objects.filter(member=member))
        context.update(
            member=member,
            name_display=member_name(member, user),
            phone_display=member_phone(member, user),
            address_display=member_address(member, user),
            cards=self.rows(Card.objects.filter(member=member)),
            slips=slips.select_related("store").order_by("-purchased_at")[:RECENT_ROWS],
            registrations=registrations.select_related("event")[:RECENT_ROWS],
        )
        return context


class CardListView(OfficePage):
    """The cards of the city's households; cards in stock are left out."""

    template_name = "office_portal/card_list.html"
    permissions = ("card.view_card",)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        search = SearchForm(self.request.GET)
        cards = self.rows(Card.objects.select_related("member__tier")).filter(
            member__city=self.city
        )
        query = search.cleaned_data["q"].strip() if search.is_valid() else ""
        if query:
            cards = cards.filter(card_number__startswith="".join(query.split()))
        page = self.paginate(cards.order_by("card_number"))
        for card in page:
            card.name_display = member_name(card.member, self.request.user)
        context.update(search=search, query=query, page=page)
        return context
