"""Sign up a household from the club's paper form through the keying service."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from lq_crm.doctype.member.models import Member
from lq_crm.doctype.region.models import Region
from lq_crm.keying.matches import HouseholdMatch
from lq_crm.keying.paper import KeyingError
from lq_crm.keying.services import KeyingResult, key_paper_form
from lq_crm.portal.office.masking import member_name
from lq_crm.portal.office.signup_forms import PaperLineFormSet, SignUpForm
from lq_crm.portal.office.views.base import SIGN_UP_PERMISSIONS
from lq_crm.portal.office.views.slips import LINES_PREFIX, CityCardsMixin


class SignUpView(CityCardsMixin):
    """The one-step sign-up: household, card and first purchase in one save.

    The form carries a token made when the page is shown, so a second submit
    of the same page returns the household the first one saved.
    """

    template_name = "office_portal/sign_up.html"
    permissions = SIGN_UP_PERMISSIONS

    def make_form(self, data: Any = None, initial: Any = None) -> SignUpForm:
        return SignUpForm(
            data,
            initial=initial,
            stores=self.city_stores(),
            districts=Region.objects.districts().filter(parent=self.city),
            households=self.rows(Member.objects.all()),
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.make_form(initial={"token": uuid4().hex})
        return self.show(form, PaperLineFormSet(prefix=LINES_PREFIX))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.make_form(request.POST)
        lines = PaperLineFormSet(request.POST, prefix=LINES_PREFIX)
        if not (form.is_valid() and lines.is_valid()):
            return self.show(form, lines)

        paper = form.paper_form(self.city, lines.paper_lines())
        self.require_writable(paper.household or Member(city=self.city))
        try:
            result = key_paper_form(paper, request.user)
        except KeyingError as error:
            line_errors = add_keying_errors(form, error)
            return self.show(form, lines, line_errors, error.matches)

        self.report(result)
        return redirect("office_portal:member", pk=result.member.pk)

    def report(self, result: KeyingResult) -> None:
        values = {"member": result.member.number, "card": result.card.card_number}
        if result.replayed:
            messages.warning(
                self.request,
                _(
                    "This form was saved before as household %(member)s with "
                    "card %(card)s; nothing was added."
                )
                % values,
            )
        elif result.created_member:
            messages.success(
                self.request,
                _("Household %(member)s signed up with card %(card)s.") % values,
            )
        else:
            messages.success(
                self.request,
                _("Household %(member)s updated from the form; card %(card)s.")
                % values,
            )
        if result.kept_fields and not result.replayed:
            messages.info(
                self.request,
                _("Kept as stored, because you may not change them: %(fields)s.")
                % {"fields": ", ".join(result.kept_fields)},
            )

    def show(
        self,
        form: SignUpForm,
        lines: Any,
        line_errors: list[str] | None = None,
        matches: list[HouseholdMatch] | None = None,
    ) -> HttpResponse:
        context = self.get_context_data(
            form=form,
            lines=lines,
            line_errors=line_errors or [],
            matches=[self.match_row(match) for match in matches or []],
        )
        return self.render_to_response(context)

    def match_row(self, match: HouseholdMatch) -> dict[str, Any]:
        return {
            "id": match.member.pk,
            "number": match.member.number,
            "name": member_name(match.member, self.request.user),
            "phone": match.phone,
            "address": match.address,
            "card_number": match.card_number,
        }


def add_keying_errors(form: SignUpForm, error: KeyingError) -> list[str]:
    """Put each message of the keying service beside its field.

    Returns the messages about the product lines, which the page shows above
    the lines. Messages about fields the page does not show, such as the city,
    become errors of the whole form.
    """
    line_errors: list[str] = []
    for field_name, field_messages in error.errors.items():
        if field_name == "lines":
            line_errors.extend(field_messages)
            continue

        field = form.fields.get(field_name)
        on_page = field is not None and not field.widget.is_hidden
        for message in field_messages:
            form.add_error(field_name if on_page else None, message)
    return line_errors
