from __future__ import annotations

from typing import Any

from rest_framework import serializers, viewsets

from lq_crm.core.scoping import CityScopedViewSetMixin
from lq_crm.doctype.points.models import PointsLedgerEntry


class LedgerEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = PointsLedgerEntry
        fields = [
            "id",
            "key",
            "member",
            "card",
            "slip",
            "kind",
            "points",
            "note",
            "created",
        ]


class LedgerEntryViewSet(CityScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The append-only points ledger; a balance is the sum of a member's entries."""

    serializer_class = LedgerEntrySerializer
    queryset = PointsLedgerEntry.objects.all()
    filterset_fields = ["member", "slip", "kind"]


def register(router: Any) -> None:
    router.register("points-ledger", LedgerEntryViewSet, basename="points-ledger")
