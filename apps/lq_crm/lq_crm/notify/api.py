"""Read-only REST endpoint for the notification outbox."""

from __future__ import annotations

from rest_framework import serializers, viewsets
from rest_framework.routers import BaseRouter

from lq_crm.core.scoping import CityScopedViewSetMixin
from lq_crm.notify.masking import mask_recipient
from lq_crm.notify.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    # Masked as in the desk's list. The full recipient stays in the desk,
    # where the service centre needs it for call tasks.
    recipient = serializers.SerializerMethodField()
    template: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )

    class Meta:
        model = Notification
        fields = [
            "id",
            "key",
            "member",
            "template",
            "channel",
            "recipient",
            "subject",
            "body",
            "status",
            "attempts",
            "last_error",
            "created",
            "claimed_at",
            "sent_at",
        ]

    def get_recipient(self, notification: Notification) -> str:
        return mask_recipient(notification.recipient)


class NotificationViewSet(CityScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Outbox rows of the households in the user's cities."""

    serializer_class = NotificationSerializer
    filterset_fields = ["status", "channel", "member"]
    search_fields = ["key"]
    ordering_fields = ["created", "sent_at", "id"]

    queryset = Notification.objects.select_related("template")


def register(router: BaseRouter) -> None:
    router.register("notifications", NotificationViewSet, basename="notification")
