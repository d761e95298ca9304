"""Desk pages for workflows: states and transitions inline, the log read-only.

Saving a row here marks it customised, so that loading the shipped
definitions keeps the admin's version.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import ManyToManyField, QuerySet
from django.forms import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unfold.admin import ModelAdmin, TabularInline
from unfold.widgets import UnfoldAdminTextareaWidget

from lq_crm.core.admin import ReadOnlyAdminMixin
from lq_crm.workflow.conditions import ConditionError, field_names, validate_condition
from lq_crm.workflow.models import (
    TransitionLog,
    Workflow,
    WorkflowState,
    WorkflowTransition,
)


class StateFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        initial = [
            form.cleaned_data.get("code")
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("initial")
        ]
        if len(initial) != 1:
            raise forms.ValidationError(
                _("Mark exactly one state as initial; %(count)d are marked.")
                % {"count": len(initial)}
            )


class TransitionForm(forms.ModelForm):
    class Meta:
        model = WorkflowTransition
        fields = [
            "action",
            "label",
            "from_states",
            "to_state",
            "roles",
            "allow_system",
            "condition",
            "enabled",
            "position",
            "customised",
        ]
        widgets = {"condition": UnfoldAdminTextareaWidget(attrs={"rows": 2})}

    def clean_condition(self) -> str:
        condition = self.cleaned_data.get("condition", "").strip()
        workflow = getattr(self.instance, "workflow", None) or self.parent_workflow
        model = workflow.document_type.model_class() if workflow else None
        if condition and model is None:
            raise forms.ValidationError(
                _("The document type of this workflow is not installed.")
            )
        if condition and model is not None:
            try:
                validate_condition(condition, field_names(model))
            except ConditionError as error:
                raise forms.ValidationError(str(error)) from None
        return condition

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        to_state = cleaned.get("to_state")
        from_states = set(cleaned.get("from_states", []))
        keeps_state = from_states == {to_state}
        if to_state is not None and to_state in from_states and not keeps_state:
            raise forms.ValidationError(
                _(
                    "A transition must lead to a state other than its from "
                    "states, unless it keeps a single state."
                )
            )
        return cleaned

    parent_workflow: Workflow | None = None


def mark_customised(form: forms.ModelForm) -> None:
    """Mark a changed row customised, unless the admin just unticked the flag."""
    if form.has_changed() and "customised" not in form.changed_data:
        form.instance.customised = True


class WorkflowStateInline(TabularInline):
    model = WorkflowState
    formset = StateFormSet
    fields = ["code", "label", "initial", "final", "position", "customised"]
    extra = 0


class WorkflowTransitionInline(TabularInline):
    model = WorkflowTransition
    form = TransitionForm
    filter_horizontal = ["from_states", "roles"]
    extra = 0

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.parent_workflow = obj
        return formset

    def formfield_for_manytomany(
        self, db_field: ManyToManyField, request: HttpRequest, **kwargs: Any
    ) -> forms.ModelMultipleChoiceField | None:
        if db_field.name == "from_states":
            kwargs["queryset"] = states_of_object(request)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.ModelChoiceField | None:
        if db_field.name == "to_state":
            kwargs["queryset"] = states_of_object(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def states_of_object(request: HttpRequest) -> QuerySet[WorkflowState]:
    """Return the states of the workflow whose change page is requested."""
    match = request.resolver_match
    object_id = match.kwargs.get("object_id") if match else None
    if object_id is None:
        return WorkflowState.objects.none()

    return WorkflowState.objects.filter(workflow_id=object_id)


@admin.register(Workflow)
class WorkflowAdmin(ModelAdmin):
    list_display = ["code", "name", "document_type", "state_field", "customised"]
    search_fields = ["code", "name"]
    inlines = [WorkflowStateInline, WorkflowTransitionInline]

    def get_readonly_fields(
        self, request: HttpRequest, obj: Any = None
    ) -> tuple[str, ...]:
        # Moving a workflow to another model would strand its log entries.
        if obj is not None:
            return ("code", "document_type", "state_field")
        return ()

    def save_form(self, request: HttpRequest, form: Any, change: bool) -> Any:
        mark_customised(form)
        return super().save_form(request, form, change)

    def save_formset(
        self, request: HttpRequest, form: Any, formset: Any, change: bool
    ) -> None:
        for inline_form in formset.forms:
            mark_customised(inline_form)
        super().save_formset(request, form, formset, change)


class ActionFilter(admin.SimpleListFilter):
    """The logged action, offered by its labels in the workflows that have it."""

    title = gettext_lazy("action")
    parameter_name = "action"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        labels: dict[str, set[str]] = {}
        for action, label in WorkflowTransition.objects.values_list("action", "label"):
            labels.setdefault(action, set()).add(label)
        return [
            (action, " / ".join(sorted(names)))
            for action, names in sorted(labels.items())
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        return queryset.filter(action=value) if value else queryset


@admin.register(TransitionLog)
class TransitionLogAdmin(ReadOnlyAdminMixin, ModelAdmin):
    list_display = [
        "created",
        "workflow",
        "document_type_name",
        "document_id",
        "action_label",
        "from_state_label",
        "to_state_label",
        "user",
    ]
    list_filter = ["workflow", ActionFilter]
    search_fields = ["document_id", "note"]
    fields = [
        "created",
        "workflow",
        "document_type_name",
        "document_id",
        "action_label",
        "from_state_label",
        "to_state_label",
        "user",
        "note",
    ]
    readonly_fields = fields
    list_select_related = ["workflow", "document_type", "user"]
    date_hierarchy = "created"

    @admin.display(description=gettext_lazy("document type"))
    def document_type_name(self, log: TransitionLog) -> str:
        # A content type reads "app | model", which for most types repeats
        # one name (消费单 | 消费单).
        model = log.document_type.model_class()
        return str(model._meta.verbose_name) if model else log.document_type.model

    @admin.display(description=gettext_lazy("action"), ordering="action")
    def action_label(self, log: TransitionLog) -> str:
        return log.labels[0]

    @admin.display(description=gettext_lazy("from state"), ordering="from_state")
    def from_state_label(self, log: TransitionLog) -> str:
        return log.labels[1]

    @admin.display(description=gettext_lazy("to state"), ordering="to_state")
    def to_state_label(self, log: TransitionLog) -> str:
        return log.labels[2]
