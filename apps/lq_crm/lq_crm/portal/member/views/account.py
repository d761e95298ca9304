"""The household's own details: contact, phone, consent and its data export."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lq_crm.core.phones import mask_phone
from lq_crm.customize.export import XLSX_CONTENT_TYPE
from lq_crm.exports.services import record_export
from lq_crm.portal.member import session
from lq_crm.portal.member.account import (
    AccountError,
    change_phone,
    record_consent,
    update_contact,
)
from lq_crm.portal.member.codes import CodeError, request_phone_change_code
from lq_crm.portal.member.forms import (
    CodeForm,
    ConsentForm,
    ContactForm,
    NewPhoneForm,
)
from lq_crm.portal.member.models import ConsentChange
from lq_crm.portal.member.personal_data import (
    collect_sections,
    render_json,
    render_xlsx,
    row_count,
)
from lq_crm.portal.member.session import MemberRequest, member_required
from lq_crm.portal.member.views.signin import client_ip

logger = logging.getLogger(__name__)

EXPORT_SOURCE = "portal_member.personal_data"


def account_context(request: MemberRequest, **forms: object) -> dict[str, object]:
    member = request.member
    context: dict[str, object] = {
        "member": member,
        "contact_form": ContactForm(instance=member),
        "consent_form": ConsentForm(
            initial={"consent_marketing": member.consent_marketing}
        ),
        "phone_form": NewPhoneForm(),
        "masked_phone": mask_phone(member.phone),
        "consent_changes": member.portal_consent_changes.all()[:10],
    }
    context.update(forms)
    return context


@member_required
@require_http_methods(["GET", "POST"])
def account(request: MemberRequest) -> HttpResponse:
    """Show the household's details, and store address and email on POST."""
    member = request.member
    if request.method == "POST":
        form = ContactForm(request.POST, instance=member)
        if form.is_valid():
            changed = update_contact(
                member,
                address=form.cleaned_data["address"],
                email=form.cleaned_data["email"],
            )
            if changed:
                messages.success(request, _("Your contact details are saved."))
            return redirect("member_portal:account")
        return render(
            request,
            "portal_member/account.html",
            account_context(request, contact_form=form),
        )

    return render(request, "portal_member/account.html", account_context(request))


@member_required
@require_POST
def consent(request: MemberRequest) -> HttpResponse:
    """Record marketing consent, or consent to data use when none is on file."""
    member = request.member
    try:
        if request.POST.get("kind") == ConsentChange.Kind.DATA_USE:
            change = record_consent(
                member, ConsentChange.Kind.DATA_USE, True, client_ip(request)
            )
        else:
            form = ConsentForm(request.POST)
            given = form.is_valid() and form.cleaned_data["consent_marketing"]
            change = record_consent(
                member, ConsentChange.Kind.MARKETING, given, client_ip(request)
            )
    except AccountError as error:
        messages.error(request, str(error))
    else:
        if change is not None:
            messages.success(request, _("Your consent choice is recorded."))
    return redirect("member_portal:account")


@member_required
@require_POST
def request_phone_change(request: MemberRequest) -> HttpResponse:
    """Send a code to the new phone before the household switches to it."""
    member = request.member
    form = NewPhoneForm(request.POST)
    if form.is_valid():
        new_phone = form.cleaned_data["phone"]
        try:
            request_phone_change_code(member, new_phone, client_ip(request))
        except CodeError as error:
            form.add_error("phone", str(error))
        else:
            request.session[session.NEW_PHONE_KEY] = new_phone
            return redirect("member_portal:change-phone-code")

    return render(
        request,
        "portal_member/account.html",
        account_context(request, phone_form=form),
    )


@member_required
@require_http_methods(["GET", "POST"])
def confirm_phone_change(request: MemberRequest) -> HttpResponse:
    member = request.member
    new_phone = request.session.get(session.NEW_PHONE_KEY)
    if not new_phone:
        return redirect("member_portal:account")

    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            change_phone(member, new_phone, form.cleaned_data["code"])
        except CodeError as error:
            form.add_error("code", str(error))
        else:
            request.session.pop(session.NEW_PHONE_KEY, None)
            messages.success(request, _("Your phone number is changed."))
            return redirect("member_portal:account")

    context = {"member": member, "form": form, "masked_phone": mask_phone(new_phone)}
    return render(request, "portal_member/confirm_phone.html", context)


@member_required
@require_GET
def personal_data(request: MemberRequest) -> HttpResponse:
    """Send the household's data as a JSON or XLSX file, and record the export."""
    member = request.member
    file_format = request.GET.get("format", "json")
    if file_format not in {"json", "xlsx"}:
        messages.error(request, _("Choose JSON or XLSX for your data."))
        return redirect("member_portal:account")

    sections = collect_sections(member)
    if file_format == "xlsx":
        content, content_type = render_xlsx(sections), XLSX_CONTENT_TYPE
    else:
        content, content_type = render_json(sections), "application/json"

    record = record_export(request, EXPORT_SOURCE, row_count(sections))
    logger.info("Export %s is member %s's own data", record.pk, member.pk)
    filename = f"{member.number}-{timezone.localdate():%Y%m%d}.{file_format}"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
