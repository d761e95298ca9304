from __future__ import annotations

import hashlib

from django.contrib import admin, messages
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin

from lq_crm.core.admin import (
    CityScopedAdminMixin,
    DocumentAdmin,
    ReadOnlyAdminMixin,
)
from lq_crm.core.jobs import enqueue_on_commit
from lq_crm.doctype.member.filters import HouseholdFilter
from lq_crm.doctype.tier import services
from lq_crm.doctype.tier.models import Tier, TierChange


def reevaluation_job_id() -> str:
    """Return a job id derived from the current thresholds.

    Saving the same thresholds twice while the job waits leaves one job, and
    a later, different change gets a job of its own.
    """
    thresholds = Tier.objects.order_by("pk").values_list("pk", "threshold")
    text = ";".join(f"{pk}={threshold}" for pk, threshold in thresholds)
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    return f"tier-reevaluate-{digest}"


@admin.register(Tier)
class TierAdmin(DocumentAdmin):
    list_display = ["name", "code", "threshold"]
    search_fields = ["code", "name"]

    def save_model(
        self, request: HttpRequest, obj: Tier, form: ModelForm, change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        if "threshold" not in form.changed_data:
            return

        enqueue_on_commit(
            services.reevaluate_all, request.user, job_id=reevaluation_job_id()
        )
        self.message_user(
            request,
            _(
                "The thresholds changed: every household is being placed in "
                "its tier again in the background. Tier changes will appear "
                "under tier changes."
            ),
            messages.INFO,
        )


@admin.register(TierChange)
class TierChangeAdmin(ReadOnlyAdminMixin, CityScopedAdminMixin, ModelAdmin):
    """The record of every tier move, read-only because the tier service writes it."""

    list_display = ["member", "from_tier", "to_tier", "cause", "spend", "created"]
    list_filter = ["cause", "to_tier", "from_tier", HouseholdFilter]
    search_fields = ["member__name", "=slip__receipt_number"]
    list_select_related = ["member", "from_tier", "to_tier"]
    date_hierarchy = "created"
