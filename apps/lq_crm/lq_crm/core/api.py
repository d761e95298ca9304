"""Pieces that every document type's API shares."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import get_language
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from lq_crm.core import versions
from lq_crm.customize.registry import VERSION_KEY as CUSTOM_FIELDS_VERSION
from lq_crm.customize.registry import active_fields
from lq_crm.customize.serializers import serializer_field
from lq_crm.customize.values import clean_values, merge_values
from lq_crm.workflow.actions import run_action
from lq_crm.workflow.engine import (
    REJECTED_ROLE,
    TransitionError,
    available_actions,
    check_role,
)


class NumberField(serializers.ReadOnlyField):
    """The document's readable number, such as PS-2026-000123."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "Readable number to quote on the phone.")
        super().__init__(**kwargs)


# (serializer class, language) -> (custom field version, time built, fields).
# The fields are copied for every serializer, as DRF copies declared fields.
field_prototypes: dict[Any, tuple[str, float, dict[str, serializers.Field]]] = {}


class CustomFieldsSerializerMixin:
    """Add the active custom fields of ``Meta.model`` as top-level fields.

    Put it first in a ModelSerializer's bases. The fields follow the current
    definitions, so the API and its schema change with them. They are built
    once per serializer class, language and version of the definitions, and
    copied for each serializer, which saves ModelSerializer's introspection
    of the model on every request. Written values are checked by
    ``clean_values`` and stored in the document's ``custom`` field, keeping
    the values of fields not sent. A serializer whose ``read_only_fields``
    lists all its fields gets the custom fields read-only too.
    """

    Meta: Any
    instance: Any
    partial: bool

    def get_fields(self) -> dict[str, serializers.Field]:
        name = (type(self), get_language())
        prototype = versions.memoised(
            field_prototypes, name, CUSTOM_FIELDS_VERSION, self.build_fields
        )
        return copy.deepcopy(prototype)

    def build_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()  # type: ignore[misc]
        read_only = self.all_read_only()
        for definition in active_fields(self.Meta.model):
            # A standard field of the same name wins, though the desk rejects such keys.
            if definition.key not in fields:
                fields[definition.key] = serializer_field(
                    definition, read_only=read_only
                )
        return fields

    def all_read_only(self) -> bool:
        declared = getattr(self.Meta, "fields", None)
        read_only = getattr(self.Meta, "read_only_fields", ())
        return isinstance(declared, list | tuple) and set(declared) <= set(read_only)

    def to_internal_value(self, data: Any) -> Any:
        attrs = super().to_internal_value(data)  # type: ignore[misc]
        given = attrs.pop("custom", {})
        if self.partial and not given:
            return attrs

        existing = getattr(self.instance, "custom", None) or {}
        try:
            cleaned = clean_values(
                self.Meta.model, given, partial=self.partial, existing=existing
            )
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict) from None
        attrs["custom"] = merge_values(existing, cleaned)
        return attrs


def require_permission(request: Request, permission: str) -> None:
    """Raise 403 unless the user has ``permission`` (``app_label.codename``)."""
    if not request.user.has_perm(permission):
        raise PermissionDenied()


class TransitionRequestSerializer(serializers.Serializer):
    action = serializers.SlugField(
        help_text=(
            "The workflow action to take, one of the detail response's "
            "``actions``. Some actions read more fields from the same body."
        )
    )


def actions_payload(document: Model, user: Any) -> list[dict[str, str]]:
    """Return the actions ``user`` may take on ``document`` now, for a response."""
    return [
        {"action": transition.action, "label": transition.label}
        for transition in available_actions(document, user)
    ]


def transition_error_response(error: TransitionError) -> Response:
    """Return 403 when the user's roles reject the action, else 400."""
    code = (
        status.HTTP_403_FORBIDDEN
        if error.reason == REJECTED_ROLE
        else status.HTTP_400_BAD_REQUEST
    )
    return Response({"detail": str(error)}, status=code)


class WorkflowViewSetMixin:
    """Add ``POST <id>/transition/`` and the available actions to a detail response.

    Put it first in the bases of the viewset of every document type with a
    workflow. The detail response gets ``actions``, the workflow actions the
    user may take now. ``POST <id>/transition/`` with ``{"action": ...}``
    takes one through ``lq_crm.workflow.actions.run_action``, after
    validating the other fields of the body with
    ``workflow_action_serializers[action]`` where one is given. The workflow
    decides who may act: a user whose roles may not take the action gets 403,
    a document in the wrong state 400. Errors of the types in
    ``workflow_errors`` become 400 through ``workflow_error_response``.
    """

    workflow_action_serializers: dict[str, type[serializers.Serializer]] = {}
    workflow_errors: tuple[type[Exception], ...] = ()

    # A plain mixin rather than a GenericViewSet subclass: as a subclass it
    # would put GenericAPIView.get_queryset before CityScopedViewSetMixin's
    # in the method order, and the city scope would be lost.
    if TYPE_CHECKING:
        request: Any

        def get_queryset(self) -> QuerySet: ...
        def get_object(self) -> Any: ...
        def get_serializer(self, *args: Any, **kwargs: Any) -> Any: ...
        def get_serializer_context(self) -> dict[str, Any]: ...

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        document = self.get_object()
        return self.document_response(document)

    def document_response(self, document: Model) -> Response:
        data = dict(self.get_serializer(document).data)
        data["actions"] = actions_payload(document, self.request.user)
        return Response(data)

    def workflow_error_response(self, error: Exception) -> Response:
        return Response({"detail": str(error)}, status=status.HTTP_400_BAD_REQUEST)

    @extend_schema(request=TransitionRequestSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        """Take a workflow action on the document; the response is the document."""
        document = get_object_or_404(self.get_queryset(), pk=pk)
        meta = document._meta
        require_permission(request, f"{meta.app_label}.view_{meta.model_name}")

        head = TransitionRequestSerializer(data=request.data)
        head.is_valid(raise_exception=True)
        name = head.validated_data["action"]
        # Only a rejection by role returns early, as 403. A rejection for the
        # state or a condition is left to the action's own function, whose
        # message says what to do about it.
        try:
            check_role(type(document), name, request.user)
        except TransitionError as error:
            return transition_error_response(error)

        data: dict[str, Any] = {}
        serializer_class = self.workflow_action_serializers.get(name)
        if serializer_class is not None:
            body = serializer_class(
                data=request.data, context=self.get_serializer_context()
            )
            body.is_valid(raise_exception=True)
            data = dict(body.validated_data)

        try:
            result = run_action(document, name, request.user, data)
        except TransitionError as error:
            return transition_error_response(error)
        except self.workflow_errors as error:
            return self.workflow_error_response(error)

        return self.document_response(self.get_queryset().get(pk=result.pk))
