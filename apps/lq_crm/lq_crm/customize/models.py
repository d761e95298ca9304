"""Custom fields and form layouts that admins define per document type.

A custom field's values live in the ``custom`` JSON field of each document,
keyed by the field's ``key``. Definitions are read through
``lq_crm.customize.registry``, which caches them for every process.
"""

from __future__ import annotations

import re

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

PROJECT_APP_PREFIX = "lq_crm."
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")


def is_customisable(model: type[models.Model]) -> bool:
    """Tell whether ``model`` stores custom field values (a ``custom`` field)."""
    from simple_history.models import HistoricalChanges

    if issubclass(model, HistoricalChanges) or model._meta.abstract:
        return False
    try:
        field = model._meta.get_field("custom")
    except FieldDoesNotExist:
        return False
    return isinstance(field, models.JSONField)


def project_app_labels() -> list[str]:
    return [
        config.label
        for config in apps.get_app_configs()
        if config.name.startswith(PROJECT_APP_PREFIX)
    ]


def customisable_models() -> list[type[models.Model]]:
    """Return every project model with a ``custom`` field, new types included."""
    return [
        model
        for label in project_app_labels()
        for model in apps.get_app_config(label).get_models()
        if is_customisable(model)
    ]


def customisable_types() -> Q:
    """Select the content types of the customisable models."""
    query = Q(pk__in=[])
    for model in customisable_models():
        query |= Q(app_label=model._meta.app_label, model=model._meta.model_name)
    return query


def linkable_types() -> Q:
    return Q(app_label__in=project_app_labels())


def split_names(text: str) -> list[str]:
    """Split a list of field names typed one per line or separated by commas."""
    return [name for name in re.split(r"[\s,]+", text or "") if name]


def standard_field_names(model: type[models.Model]) -> set[str]:
    names: set[str] = set()
    for field in model._meta.get_fields():
        names.add(field.name)
        attname = getattr(field, "attname", None)
        if attname:
            names.add(attname)
    return names


class CustomField(models.Model):
    class FieldType(models.TextChoices):
        TEXT = "text", _("Text")
        LONG_TEXT = "long_text", _("Long text")
        INTEGER = "integer", _("Whole number")
        DECIMAL = "decimal", _("Decimal number")
        DATE = "date", _("Date")
        SELECT = "select", _("Select from options")
        CHECK = "check", _("Check box")
        LINK = "link", _("Link to another document")

    document_type = models.ForeignKey(
        ContentType,
        verbose_name=_("document type"),
        on_delete=models.CASCADE,
        related_name="+",
        limit_choices_to=customisable_types,
    )
    key = models.SlugField(
        _("key"),
        max_length=64,
        help_text=_(
            "Name in the API, exports and imports: lower-case letters, digits "
            "and underscores, starting with a letter. Cannot be changed later "
            "without losing the stored values."
        ),
    )
    label_zh = models.CharField(_("label (Chinese)"), max_length=100)
    label_en = models.CharField(
        _("label (English)"),
        max_length=100,
        blank=True,
        help_text=_(
            "Shown when the desk is in English; the Chinese label is used if empty."
        ),
    )
    field_type = models.CharField(
        _("type"), max_length=16, choices=FieldType.choices, default=FieldType.TEXT
    )
    options = models.TextField(
        _("options"),
        blank=True,
        help_text=_("For a select field: the allowed values, one per line."),
    )
    link_type = models.ForeignKey(
        ContentType,
        verbose_name=_("linked document type"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to=linkable_types,
        help_text=_("For a link field: the type whose primary key is stored."),
    )
    required = models.BooleanField(_("required"), default=False)
    default = models.CharField(
        _("default"),
        max_length=200,
        blank=True,
        help_text=_(
            "Value given to new documents, typed as in the form: 2026-05-01 "
            "for a date, 1 or 0 for a check box, an option for a select."
        ),
    )
    help_text = models.CharField(_("help text"), max_length=200, blank=True)
    section = models.CharField(
        _("section"),
        max_length=100,
        blank=True,
        help_text=_(
            "Title of the form section to show the field in. A new section "
            "with this title is added if the form has none."
        ),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    list_column = models.BooleanField(
        _("show in list"),
        default=True,
        help_text=_("Show the field as a column of the desk's list page."),
    )
    active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_(
            "Untick to hide the field everywhere. Stored values are kept "
            "until the 'purge values' action removes them."
        ),
    )

    class Meta:
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")
        ordering = ["document_type", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["document_type", "key"], name="customfield_unique_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label_zh} ({self.key})"

    @property
    def option_list(self) -> list[str]:
        return [line.strip() for line in self.options.splitlines() if line.strip()]

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        self.key = (self.key or "").strip()
        if self.key and not KEY_PATTERN.match(self.key):
            errors.setdefault("key", []).append(
                str(_("Use lower-case letters, digits and underscores only."))
            )
        model = self.target_model()
        if model is not None and (
            self.key in standard_field_names(model) or hasattr(model, self.key)
        ):
            errors.setdefault("key", []).append(
                str(_("The document type already has an attribute '%(key)s'."))
                % {"key": self.key}
            )
        if self.document_type_id is not None and model is None:
            errors.setdefault("document_type", []).append(
                str(_("This document type cannot have custom fields."))
            )
        errors.update(self.type_errors())
        if not errors:
            errors.update(self.default_errors())
        if errors:
            raise ValidationError(errors)

    def target_model(self) -> type[models.Model] | None:
        """Return the customisable model of ``document_type``, or None."""
        if self.document_type_id is None:
            return None
        model = ContentType.objects.get_for_id(self.document_type_id).model_class()
        if model is None or not is_customisable(model):
            return None
        return model

    def type_errors(self) -> dict[str, list[str]]:
        errors: dict[str, list[str]] = {}
        options = self.option_list
        if self.field_type == self.FieldType.SELECT:
            if not options:
                errors["options"] = [
                    str(_("A select field needs at least one option."))
                ]
            elif len(set(options)) != len(options):
                errors["options"] = [str(_("Each option may be listed only once."))]
        elif options:
            errors["options"] = [str(_("Only a select field has options."))]

        if self.field_type == self.FieldType.LINK:
            if self.link_type_id is None:
                errors["link_type"] = [str(_("A link field needs a document type."))]
            elif (
                ContentType.objects.get_for_id(self.link_type_id).model_class() is None
            ):
                errors["link_type"] = [
                    str(_("The linked document type no longer exists."))
                ]
        elif self.link_type_id is not None:
            errors["link_type"] = [str(_("Only a link field has a linked type."))]
        return errors

    def default_errors(self) -> dict[str, list[str]]:
        from lq_crm.customize.registry import definition_from_row
        from lq_crm.customize.values import clean_value

        if not self.default.strip():
            return {}
        try:
            clean_value(definition_from_row(self, with_default=False), self.default)
        except ValidationError as error:
            return {"default": error.messages}
        return {}


class FormLayout(models.Model):
    """The section order, hidden fields and labels of one document type's desk form."""

    document_type = models.OneToOneField(
        ContentType,
        verbose_name=_("document type"),
        on_delete=models.CASCADE,
        related_name="+",
        limit_choices_to=customisable_types,
    )
    hidden_fields = models.TextField(
        _("hidden fields"),
        blank=True,
        help_text=_("Standard fields to leave out of the form, one per line."),
    )
    readonly_fields = models.TextField(
        _("read-only fields"),
        blank=True,
        help_text=_("Standard fields shown but not editable, one per line."),
    )

    class Meta:
        verbose_name = _("form layout")
        verbose_name_plural = _("form layouts")

    def __str__(self) -> str:
        return str(ContentType.objects.get_for_id(self.document_type_id))

    def clean(self) -> None:
        model = None
        if self.document_type_id is not None:
            model = ContentType.objects.get_for_id(self.document_type_id).model_class()
        if model is None or not is_customisable(model):
            raise ValidationError(
                {"document_type": _("This document type cannot have a layout.")}
            )

        names = standard_field_names(model)
        errors: dict[str, list[str]] = {}
        for attribute in ("hidden_fields", "readonly_fields"):
            unknown = [
                n for n in split_names(getattr(self, attribute)) if n not in names
            ]
            if unknown:
                errors[attribute] = [
                    str(_("Unknown fields: %(names)s.")) % {"names": ", ".join(unknown)}
                ]
        needed = [
            name
            for name in split_names(self.hidden_fields)
            if name in names and is_needed_in_form(model, name)
        ]
        if needed:
            errors.setdefault("hidden_fields", []).append(
                str(_("Required fields cannot be hidden: %(names)s."))
                % {"names": ", ".join(needed)}
            )
        if errors:
            raise ValidationError(errors)


def is_needed_in_form(model: type[models.Model], name: str) -> bool:
    """Tell whether a form without field ``name`` could not save a new document."""
    field = model._meta.get_field(name)
    if not getattr(field, "editable", False) or getattr(field, "blank", True):
        return False
    return not field.has_default()  # type: ignore[union-attr]


class FormSection(models.Model):
    layout = models.ForeignKey(
        FormLayout,
        verbose_name=_("form layout"),
        on_delete=models.CASCADE,
        related_name="sections",
    )
    title_zh = models.CharField(_("title (Chinese)"), max_length=100, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=100, blank=True)
    fields = models.TextField(
        _("fields"),
        help_text=_(
            "Names of standard fields and keys of custom fields, in order, one "
            "per line. Fields that no section lists follow in their own sections."
        ),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    collapsed = models.BooleanField(_("collapsed"), default=False)

    class Meta:
        verbose_name = _("form section")
        verbose_name_plural = _("form sections")
        ordering = ["layout", "position", "pk"]

    def __str__(self) -> str:
        return self.title_zh or self.title_en or str(_("(untitled)"))


class FieldLabel(models.Model):
    layout = models.ForeignKey(
        FormLayout,
        verbose_name=_("form layout"),
        on_delete=models.CASCADE,
        related_name="labels",
    )
    field = models.CharField(_("field"), max_length=64)
    label_zh = models.CharField(_("label (Chinese)"), max_length=100, blank=True)
    label_en = models.CharField(_("label (English)"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("label override")
        verbose_name_plural = _("label overrides")
        constraints = [
            models.UniqueConstraint(
                fields=["layout", "field"], name="fieldlabel_unique_field"
            ),
        ]

    def __str__(self) -> str:
        return self.field
