"""Desk building blocks that the document types' admins share."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import (
    NotRelationField,
    get_fields_from_path,
    unquote,
)
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db import models
from django.db.models import QuerySet
from django.forms import BaseForm, ModelChoiceField
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin
from unfold.dataclasses import ActionDialog
from unfold.enums import ActionVariant
from unfold.forms import BaseDialogForm

from lq_crm.core.masking import mask_address, may_view_personal_data
from lq_crm.core.models import Document, parse_number
from lq_crm.core.phones import mask_phone
from lq_crm.core.scoping import (
    is_city_scoped,
    may_write,
    outside_scope_message,
    visible_to,
)
from lq_crm.customize import desk
from lq_crm.customize.export import export_workbook
from lq_crm.customize.registry import active_fields, get_layout
from lq_crm.doctype.region.models import Region
from lq_crm.workflow.actions import run_action
from lq_crm.workflow.engine import (
    Transition,
    TransitionError,
    available_actions,
    get_workflow,
    state_labels,
)


class DocumentAdmin(SimpleHistoryAdmin, ModelAdmin):
    """Admin of a Document: readable number column and search, stamps, history.

    Put ``number_display`` in ``list_display``. Searching for a readable
    number such as ``PS-2026-000123`` finds that document in addition to the
    matches of ``search_fields``.
    """

    document_readonly_fields: tuple[str, ...] = ("number_display", "owner", "created")

    @admin.display(description=_("number"), ordering="pk")
    def number_display(self, obj: Document) -> str:
        return obj.number

    def get_readonly_fields(
        self, request: HttpRequest, obj: Any = None
    ) -> tuple[str, ...]:
        own = tuple(super().get_readonly_fields(request, obj))
        layout = get_layout(self.model)
        added = (
            *self.document_readonly_fields,
            *(layout.readonly_fields if layout else ()),
        )
        return own + tuple(dict.fromkeys(f for f in added if f not in own))

    # Custom fields and the form layout are read per request, so a definition
    # changed in the desk shows on the next page load without a restart.
    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        base: type[BaseForm] = kwargs.get("form") or self.form
        readonly = set(self.get_readonly_fields(request, obj))
        removed = [
            name for name in getattr(base, "declared_fields", {}) if name in readonly
        ]
        kwargs["form"] = desk.custom_form_class(
            base, active_fields(self.model), get_layout(self.model), removed
        )
        return super().get_form(request, obj, change, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        return desk.arrange_fieldsets(
            fieldsets, active_fields(self.model), get_layout(self.model)
        )

    def get_list_display(self, request: HttpRequest) -> list[Any]:
        columns = list(super().get_list_display(request))
        custom = [d for d in active_fields(self.model) if d.list_column]
        return columns + [desk.list_column(definition) for definition in custom]

    def get_list_filter(self, request: HttpRequest) -> list[Any]:
        filters = list(super().get_list_filter(request))
        custom = desk.filterable(active_fields(self.model))
        return filters + [desk.list_filter(definition) for definition in custom]

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        if self.actions is None or "export_excel" in actions:
            return actions
        if self.has_view_permission(request):
            description = self._get_action_description(
                DocumentAdmin.export_excel, "export_excel"
            )
            actions["export_excel"] = (
                DocumentAdmin.export_excel,
                "export_excel",
                description,
            )
        return actions

    @admin.action(description=_("Export to Excel"))
    def export_excel(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse:
        return export_workbook(self, request, queryset)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        results, may_have_duplicates = super().get_search_results(
            request, queryset, search_term
        )
        pk = parse_number(self.model, search_term)
        if pk is not None:
            results = results | queryset.filter(pk=pk)
        return results, may_have_duplicates

    def save_model(
        self, request: HttpRequest, obj: Any, form: Any, change: bool
    ) -> None:
        if not change and obj.owner_id is None and request.user.is_authenticated:
            obj.owner_id = request.user.pk
        # An unchanged document is not saved again, so its history gains no
        # empty row.
        if change and not changes_to_save(obj, form):
            return
        super().save_model(request, obj, form, change)


def changes_to_save(document: Any, form: BaseForm) -> list[str]:
    """Return the fields that the form really changed on ``document``.

    The desk's time inputs show minutes, so a stored time with seconds comes
    back truncated and looks changed. Such a field gets its stored value back
    and is not counted.
    """
    changed = []
    for name in form.changed_data:
        stored = form.initial.get(name)
        value = form.cleaned_data.get(name)
        if (
            isinstance(stored, datetime)
            and isinstance(value, datetime)
            and stored.replace(second=0, microsecond=0) == value
        ):
            setattr(document, name, stored)
            continue
        changed.append(name)
    return changed


class ScopedRelatedFieldListFilter(admin.RelatedFieldListFilter):
    """A related-field filter that offers only the rows the user may see."""

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> Any:
        ordering = self.field_admin_ordering(field, request, model_admin)
        related = field.remote_field.model._default_manager.complex_filter(
            field.get_limit_choices_to()
        )
        visible = visible_to(related, request.user)
        return field.get_choices(
            include_blank=False,
            ordering=ordering,
            limit_choices_to={"pk__in": visible.values("pk")},
        )


def needs_scoped_choices(model: type[models.Model]) -> bool:
    return model is Region or is_city_scoped(model)


class CityScopedAdminMixin:
    """Limit an admin's rows, choices, filters and writes to the user's cities.

    Put it before ``ModelAdmin`` in the bases of the admin of every model
    listed in ``lq_crm.core.scoping.CITY_PATHS``; inlines may use it too. A
    row of another city is missing from the list, search, autocomplete and
    actions. Its change page redirects to the index and its history pages
    return 404. A form that would save a row into a city outside the scope
    shows an error.
    """

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)  # type: ignore[misc]
        return visible_to(queryset, request.user)

    def formfield_for_foreignkey(
        self, db_field: models.ForeignKey, request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField | None:
        field = super().formfield_for_foreignkey(  # type: ignore[misc]
            db_field, request, **kwargs
        )
        if field is not None and needs_scoped_choices(db_field.remote_field.model):
            field.queryset = visible_to(field.queryset, request.user)
        return field

    def formfield_for_manytomany(
        self, db_field: models.ManyToManyField, request: HttpRequest, **kwargs: Any
    ) -> Any:
        field = super().formfield_for_manytomany(  # type: ignore[misc]
            db_field, request, **kwargs
        )
        if field is not None and needs_scoped_choices(db_field.remote_field.model):
            field.queryset = visible_to(field.queryset, request.user)
        return field

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change, **kwargs)  # type: ignore[misc]
        return city_checked_form(form, request.user)

    def get_list_filter(self, request: HttpRequest) -> list[Any]:
        filters = super().get_list_filter(request)  # type: ignore[misc]
        return [self.scoped_list_filter(entry) for entry in filters]

    def scoped_list_filter(self, entry: Any) -> Any:
        """Give a plain related-field filter the choices of the user's cities."""
        if not isinstance(entry, str):
            return entry

        model = self.model  # type: ignore[attr-defined]
        try:
            field = get_fields_from_path(model, entry)[-1]
        except (FieldDoesNotExist, NotRelationField):
            return entry
        related = getattr(field, "related_model", None)
        if related is None or not needs_scoped_choices(related):
            return entry
        return (entry, ScopedRelatedFieldListFilter)

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: Any = None
    ) -> Any:
        self.require_visible(request, object_id)
        return super().history_view(  # type: ignore[misc]
            request, object_id, extra_context
        )

    def history_form_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: Any = None,
    ) -> Any:
        self.require_visible(request, object_id)
        return super().history_form_view(  # type: ignore[misc]
            request, object_id, version_id, extra_context
        )

    def require_visible(self, request: HttpRequest, object_id: str) -> None:
        """Raise 404 unless the row is among the user's rows.

        The history pages of django-simple-history read old versions without
        the admin's queryset, so they check here first. A scoped user gets 404
        for a deleted row too, because its city can no longer be checked.
        """
        visible = self.get_queryset(request).filter(pk=unquote(object_id))
        if not visible.exists():
            raise Http404(_("No record with id %(id)s.") % {"id": object_id})


def city_checked_form(form: type[BaseForm], user: Any) -> type[BaseForm]:
    """Subclass an admin's model form to reject rows outside the user's cities."""

    def _post_clean(self: Any) -> None:
        # The instance carries the submitted relations only after the base
        # _post_clean has built it, so the city is checked after it.
        form._post_clean(self)  # type: ignore[attr-defined]
        if not may_write(self.instance, user):
            self.add_error(None, outside_scope_message())

    return type(form.__name__, (form,), {"_post_clean": _post_clean})


class PersonalDataAdminMixin:
    """Mask phone, address and birth year for users without the permission.

    Lists show ``masked_phone`` to everyone, because a list needs no full
    number. On the change form of a saved row, users without
    ``access.view_personal_data`` get the three fields as masked read-only
    values, so they can neither read nor overwrite them. The add form stays
    editable, because the person typing in a new household's paper form has
    the data in hand.
    """

    personal_fields = {
        "phone": "masked_phone",
        "address": "masked_address",
        "birth_year": "masked_birth_year",
    }

    def masks_personal_data(self, request: HttpRequest, obj: Any) -> bool:
        return obj is not None and not may_view_personal_data(request.user)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        fieldsets = super().get_fieldsets(request, obj)  # type: ignore[misc]
        if not self.masks_personal_data(request, obj):
            return fieldsets

        return [
            (
                name,
                {
                    **options,
                    "fields": [
                        self.personal_fields.get(field, field)
                        for field in options["fields"]
                    ],
                },
            )
            for name, options in fieldsets
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = tuple(super().get_readonly_fields(request, obj))  # type: ignore[misc]
        if not self.masks_personal_data(request, obj):
            return fields
        return fields + tuple(self.personal_fields.values())

    @admin.display(description=_("phone"))
    def masked_phone(self, obj: Any) -> str:
        return mask_phone(obj.phone)

    @admin.display(description=_("address"))
    def masked_address(self, obj: Any) -> str:
        return mask_address(obj)

    @admin.display(description=_("birth year"))
    def masked_birth_year(self, obj: Any) -> str:
        return "****" if obj.birth_year else ""


class ReadOnlyAdminMixin:
    """Show rows without letting anyone add, change or delete them."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class WorkflowAdminMixin(ModelAdmin):
    """Offer the workflow actions a user may take as buttons on the change page.

    Put it before ``DocumentAdmin`` in the bases of the admin of every
    document type with a workflow. The buttons come from
    ``available_actions(document, user)`` on each page load, so a workflow or
    role changed in the desk shows on the next page without a restart. Each
    button opens a dialog that requests confirmation and the fields of
    ``workflow_action_forms[action]``, then posts to
    ``<id>/transition/<action>/``, which runs the action through
    ``lq_crm.workflow.actions.run_action``. ``workflow_action_help[action]``
    replaces the dialog's general description. Errors of the types in
    ``workflow_errors`` are shown as messages on the change page.
    """

    workflow_action_forms: dict[str, type[BaseDialogForm]] = {}
    workflow_action_help: dict[str, Any] = {}
    workflow_errors: tuple[type[Exception], ...] = ()

    def get_urls(self) -> list[URLPattern]:
        meta = self.model._meta
        transition = path(
            "<path:object_id>/transition/<slug:action>/",
            self.admin_site.admin_view(self.transition_view),
            name=f"{meta.app_label}_{meta.model_name}_transition",
        )
        return [transition, *super().get_urls()]

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> Any:
        if obj is not None and obj.pk is not None:
            buttons = [
                self.workflow_button(obj, transition)
                for transition in available_actions(obj, request.user)
            ]
            context["actions_detail"] = [*context.get("actions_detail", []), *buttons]
        return super().render_change_form(request, context, add, change, form_url, obj)

    def workflow_button(
        self, document: models.Model, transition: Transition
    ) -> dict[str, Any]:
        """Return a button as unfold's detail actions template expects it."""
        meta = self.model._meta
        return {
            "title": transition.label,
            "icon": None,
            "variant": ActionVariant.DEFAULT,
            "attrs": {"data-workflow-action": transition.action},
            "dialog": self.workflow_dialog(transition),
            "path": reverse(
                f"{self.admin_site.name}:{meta.app_label}_{meta.model_name}_transition",
                args=[document.pk, transition.action],
            ),
        }

    def workflow_dialog(self, transition: Transition) -> ActionDialog:
        form_class = self.workflow_action_forms.get(transition.action)
        description = self.workflow_action_help.get(transition.action) or gettext(
            "This %(document)s moves to the state %(state)s, and the change is "
            "kept in its history."
        ) % {
            "document": self.model._meta.verbose_name,
            "state": state_labels(self.model, frozenset({transition.to_state})),
        }
        return ActionDialog(
            title=gettext("%(action)s: are you sure?") % {"action": transition.label},
            description=str(description),
            form_class=form_class,
            form_submit_text=transition.label,
        )

    def transition_view(
        self, request: HttpRequest, object_id: str, action: str
    ) -> HttpResponse:
        """Show the action's dialog, or take the action when the dialog is posted."""
        document = self.get_queryset(request).filter(pk=unquote(object_id)).first()
        if document is None:
            raise Http404(_("No record with id %(id)s.") % {"id": object_id})
        if not self.has_view_permission(request, document):
            raise PermissionDenied

        offered = {t.action: t for t in available_actions(document, request.user)}
        transition = offered.get(action)
        if transition is None:
            raise PermissionDenied

        dialog = self.workflow_dialog(transition)
        form_class = dialog["form_class"] or BaseDialogForm
        form = form_class(
            request=request, object_id=object_id, data=request.POST or None
        )
        if request.method != "POST" or not form.is_valid():
            context = {
                "dialog": dialog,
                "form": form,
                "form_submit_text": dialog["form_submit_text"],
            }
            return render(request, "unfold/helpers/dialog.html", context)

        data = {
            name: value
            for name, value in form.cleaned_data.items()
            if name != "_form_submitted"
        }
        return self.take_action(request, document, action, data)

    def take_action(
        self,
        request: HttpRequest,
        document: models.Model,
        action: str,
        data: dict[str, Any],
    ) -> HttpResponse:
        errors: tuple[type[Exception], ...] = (TransitionError, *self.workflow_errors)
        try:
            result = run_action(document, action, request.user, data)
        except errors as error:
            self.message_user(request, str(error), messages.ERROR)
            result = document
        else:
            state = getattr(result, get_workflow(type(result)).state_field)
            self.message_user(
                request,
                gettext("%(document)s is %(state)s.")
                % {
                    "document": result,
                    "state": state_labels(type(result), frozenset({state})),
                },
            )
        return redirect_to_change_page(request, self.admin_site.name, result)


def redirect_to_change_page(
    request: HttpRequest, site_name: str, document: models.Model
) -> HttpResponse:
    """Redirect to the document's change page, from a page or from an htmx dialog.

    A dialog posts through htmx, which would follow a plain redirect inside
    the dialog. The HX-Redirect header makes htmx load the page instead.
    """
    meta = document._meta
    url = reverse(
        f"{site_name}:{meta.app_label}_{meta.model_name}_change", args=[document.pk]
    )
    if request.headers.get("HX-Request"):
        response = HttpResponse()
        response["HX-Redirect"] = url
        return response

    return HttpResponseRedirect(url)
