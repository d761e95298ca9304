"""Desk pages for message templates and the notification outbox."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.template import Template, TemplateSyntaxError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin

from lq_crm.core.admin import CityScopedAdminMixin
from lq_crm.core.jobs import enqueue_on_commit
from lq_crm.core.masking import may_view_personal_data
from lq_crm.notify.masking import mask_recipient
from lq_crm.notify.models import (
    STUCK_SENDING_AFTER,
    MessageTemplate,
    Notification,
    job_id_for,
    stuck_sending_condition,
)
from lq_crm.notify.services import render


class MessageTemplateForm(forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ["code", "name", "subject", "body", "active"]

    def clean_subject(self) -> str:
        return check_template_syntax(self.cleaned_data["subject"])

    def clean_body(self) -> str:
        return check_template_syntax(self.cleaned_data["body"])


def check_template_syntax(text: str) -> str:
    try:
        Template(text)
    except TemplateSyntaxError as error:
        raise forms.ValidationError(
            _("The template is invalid: %(error)s"), params={"error": error}
        ) from None
    return text


def available_fields(template: MessageTemplate) -> list[str]:
    return [name.strip() for name in template.help_text.split(",") if name.strip()]


@admin.register(MessageTemplate)
class MessageTemplateAdmin(SimpleHistoryAdmin, ModelAdmin):
    form = MessageTemplateForm
    list_display = ["code", "name", "active"]
    list_filter = ["active"]
    search_fields = ["code", "name"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["code", "name", "subject", "body", "active", "help_text", "preview"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # The code is how services find a template, so it is fixed once saved.
        if obj is None:
            return ["help_text", "preview"]
        return ["code", "help_text", "preview"]

    @admin.display(description=_("preview"))
    def preview(self, obj: MessageTemplate) -> str:
        """Render the saved subject and body with each field shown as [name]."""
        if obj.pk is None:
            return "-"

        context = {name: f"[{name}]" for name in available_fields(obj)}
        try:
            subject = render(obj.subject, context)
            body = render(obj.body, context)
        except TemplateSyntaxError as error:
            return str(_("The template is invalid: %(error)s") % {"error": error})
        return f"{subject}\n\n{body}" if subject else body


class NeedsReviewFilter(admin.SimpleListFilter):
    """Rows a crashed job left in sending, which are never resent by themselves."""

    title = _("needs review")
    parameter_name = "review"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        minutes = int(STUCK_SENDING_AFTER.total_seconds() // 60)
        return [
            (
                "stuck",
                _("In sending for over %(minutes)s minutes") % {"minutes": minutes},
            )
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "stuck":
            return queryset.filter(stuck_sending_condition())
        return queryset


# Templates whose messages carry a one-time secret that the desk never shows.
SECRET_TEMPLATE_CODES = frozenset({"portal_login_code"})
DIGITS = re.compile(r"\d")


@admin.register(Notification)
class NotificationAdmin(CityScopedAdminMixin, ModelAdmin):
    """The outbox: read-only rows, with actions to close calls and retry."""

    list_display = [
        "key",
        "member",
        "channel",
        "masked_recipient",
        "status",
        "attempts",
        "created",
        "sent_at",
    ]
    list_filter = ["status", "channel", NeedsReviewFilter]
    list_select_related = ["member"]
    search_fields = ["key", "member__name"]
    actions = ["mark_call_made", "retry"]
    fields = [
        "key",
        "member",
        "template",
        "channel",
        "recipient",
        "subject",
        "shown_body",
        "status",
        "attempts",
        "last_error",
        "created",
        "claimed_at",
        "sent_at",
    ]
    readonly_fields = [*fields, "masked_recipient"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # The service centre dials the full recipient for call tasks; users
        # without personal-data access see it masked.
        if may_view_personal_data(request.user):
            return self.fields
        return [
            "masked_recipient" if field == "recipient" else field
            for field in self.fields
        ]

    @admin.display(description=_("body"))
    def shown_body(self, obj: Notification) -> str:
        # Only the member uses a sign-in code, so the desk shows it without digits.
        if obj.template is not None and obj.template.code in SECRET_TEMPLATE_CODES:
            return DIGITS.sub("•", obj.body)
        return obj.body

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("recipient"), ordering="recipient")
    def masked_recipient(self, obj: Notification) -> str:
        return mask_recipient(obj.recipient)

    @admin.action(description=_("Mark call made"), permissions=["change"])
    def mark_call_made(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = queryset.filter(status=Notification.Status.CALL_OPEN).update(
            status=Notification.Status.CALL_DONE, sent_at=timezone.now()
        )
        self.message_user(
            request,
            ngettext(
                "%(count)d call marked as made.",
                "%(count)d calls marked as made.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(
        description=_("Retry failed or stuck notifications"), permissions=["change"]
    )
    def retry(self, request: HttpRequest, queryset: QuerySet) -> None:
        """Send failed rows again, and stuck rows that staff have reviewed.

        A stuck row may already have reached the member, so it is only resent
        when staff choose it here.
        """
        from lq_crm.notify.sending import send_notification

        retryable = Q(status=Notification.Status.FAILED) | stuck_sending_condition()
        ids = list(queryset.filter(retryable).values_list("pk", flat=True))
        count = Notification.objects.filter(retryable, pk__in=ids).update(
            status=Notification.Status.PENDING, attempts=0
        )
        for notification_id in ids:
            enqueue_on_commit(
                send_notification, notification_id, job_id=job_id_for(notification_id)
            )
        self.message_user(
            request,
            ngettext(
                "%(count)d notification queued again.",
                "%(count)d notifications queued again.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )
