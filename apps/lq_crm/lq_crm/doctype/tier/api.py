from __future__ import annotations

from typing import Any

from rest_framework import serializers, viewsets

from lq_crm.core.scoping import CityScopedViewSetMixin
from lq_crm.doctype.tier.models import Tier, TierChange


class TierSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tier
        fields = ["id", "code", "name", "threshold", "benefits"]


class TierChangeSerializer(serializers.ModelSerializer):
    from_tier: serializers.SlugRelatedField[Tier] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    to_tier: serializers.SlugRelatedField[Tier] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )

    class Meta:
        model = TierChange
        fields = [
            "id",
            "member",
            "from_tier",
            "to_tier",
            "cause",
            "slip",
            "spend",
            "created",
        ]


class TierViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = TierSerializer
    queryset = Tier.objects.all()


class TierChangeViewSet(CityScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = TierChangeSerializer
    queryset = TierChange.objects.select_related("from_tier", "to_tier")
    filterset_fields = ["member", "cause"]


def register(router: Any) -> None:
    router.register("tiers", TierViewSet, basename="tier")
    router.register("tier-changes", TierChangeViewSet, basename="tier-change")
