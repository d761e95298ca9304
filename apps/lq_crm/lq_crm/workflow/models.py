"""Workflow definitions as rows that the desk edits, and the log of transitions.

A workflow gives one document type its states and the transitions between
them. The shipped definitions live in YAML files under ``definitions/`` and
``load_workflows`` writes them here; a row saved in the desk is marked
``customised`` so that the next load keeps it as the admin left it.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

CUSTOMISED_HELP = _(
    "Set when the row is saved in the desk. Loading the shipped definitions "
    "leaves a customised row as it is; untick to let the next load reset it."
)


class Workflow(models.Model):
    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=100)
    document_type = models.OneToOneField(
        ContentType,
        verbose_name=_("document type"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The model whose documents follow this workflow."),
    )
    state_field = models.CharField(
        _("state field"),
        max_length=64,
        help_text=_("Name of the document's field that stores the state code."),
    )
    customised = models.BooleanField(
        _("customised"), default=False, help_text=CUSTOMISED_HELP
    )

    class Meta:
        verbose_name = _("workflow")
        verbose_name_plural = _("workflows")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class WorkflowState(models.Model):
    workflow = models.ForeignKey(
        Workflow,
        verbose_name=_("workflow"),
        on_delete=models.CASCADE,
        related_name="states",
    )
    code = models.SlugField(
        _("code"),
        max_length=32,
        help_text=_("The value stored in the document's state field."),
    )
    label = models.CharField(_("label"), max_length=100)
    initial = models.BooleanField(
        _("initial"),
        default=False,
        help_text=_("New documents start in this state; one state per workflow."),
    )
    final = models.BooleanField(
        _("final"),
        default=False,
        help_text=_("No transition leaves a final state."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    customised = models.BooleanField(
        _("customised"), default=False, help_text=CUSTOMISED_HELP
    )

    class Meta:
        verbose_name = _("workflow state")
        verbose_name_plural = _("workflow states")
        ordering = ["workflow", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["workflow", "code"], name="workflow_state_unique_code"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.code})"


class WorkflowTransition(models.Model):
    workflow = models.ForeignKey(
        Workflow,
        verbose_name=_("workflow"),
        on_delete=models.CASCADE,
        related_name="transitions",
    )
    action = models.SlugField(
        _("action"),
        max_length=32,
        help_text=_("The name by which code and buttons take this transition."),
    )
    label = models.CharField(_("label"), max_length=100)
    from_states = models.ManyToManyField(
        WorkflowState,
        verbose_name=_("from states"),
        related_name="+",
        help_text=_("The transition may be taken from any of these states."),
    )
    to_state = models.ForeignKey(
        WorkflowState,
        verbose_name=_("to state"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    roles = models.ManyToManyField(
        "access.Role",
        verbose_name=_("roles"),
        blank=True,
        related_name="+",
        help_text=_("Users in any of these roles may take the transition."),
    )
    allow_system = models.BooleanField(
        _("allowed to the system"),
        default=False,
        help_text=_("Background jobs, which act without a user, may take it."),
    )
    condition = models.TextField(
        _("condition"),
        blank=True,
        help_text=_(
            "Optional expression over the document's fields that must be true, "
            'for example: persons <= 4 and status == "registered". Allowed: '
            "field names, numbers, strings, True, False, None, comparisons, "
            "and, or, not, arithmetic, lists and len(). A foreign key field "
            "gives the related row's id."
        ),
    )
    enabled = models.BooleanField(
        _("enabled"),
        default=True,
        help_text=_(
            "Untick to withdraw a transition. Deleting a shipped transition "
            "does not last, because the next load creates it again."
        ),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    customised = models.BooleanField(
        _("customised"), default=False, help_text=CUSTOMISED_HELP
    )

    class Meta:
        verbose_name = _("workflow transition")
        verbose_name_plural = _("workflow transitions")
        ordering = ["workflow", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["workflow", "action"], name="workflow_transition_unique_action"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.action})"


class TransitionLog(models.Model):
    """One transition taken by one document: who, when, from where to where.

    States are stored as codes, not keys, so that the log stays readable
    after an admin edits or removes a state.
    """

    document_type = models.ForeignKey(
        ContentType,
        verbose_name=_("document type"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    document_id = models.CharField(_("document id"), max_length=64)
    document = GenericForeignKey("document_type", "document_id")
    workflow = models.ForeignKey(
        Workflow,
        verbose_name=_("workflow"),
        on_delete=models.PROTECT,
        related_name="log_entries",
    )
    action = models.CharField(_("action"), max_length=32)
    from_state = models.CharField(_("from state"), max_length=32)
    to_state = models.CharField(_("to state"), max_length=32)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Empty when a background job took the transition."),
    )
    note = models.TextField(_("note"), blank=True)
    created = models.DateTimeField(_("created"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("transition log entry")
        verbose_name_plural = _("transition log")
        ordering = ["-created", "-pk"]
        indexes = [models.Index(fields=["document_type", "document_id"])]

    def __str__(self) -> str:
        action, from_state, to_state = self.labels
        return f"{action}: {from_state} → {to_state}"

    @cached_property
    def labels(self) -> tuple[str, str, str]:
        """The labels of the action and the two states, as defined now.

        A state or action renamed since the row was written shows its new
        label, and one removed since shows its code.
        """
        from lq_crm.workflow.registry import get_definition

        model = ContentType.objects.get_for_id(self.document_type_id).model_class()
        definition = get_definition(model) if model is not None else None
        if definition is None:
            return self.action, self.from_state, self.to_state

        transition = definition.transition(self.action)
        return (
            transition.label if transition is not None else self.action,
            definition.state_label(self.from_state),
            definition.state_label(self.to_state),
        )
