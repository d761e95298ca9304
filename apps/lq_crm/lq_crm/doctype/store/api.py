from __future__ import annotations

from typing import Any

from rest_framework import serializers, viewsets

from lq_crm.core.api import CustomFieldsSerializerMixin
from lq_crm.core.scoping import CityScopedViewSetMixin
from lq_crm.doctype.store.models import Store


class StoreSerializer(CustomFieldsSerializerMixin, serializers.ModelSerializer):
    class Meta:
        model = Store
        fields = ["id", "code", "name", "city", "district", "address", "active"]


class StoreViewSet(CityScopedViewSetMixin, viewsets.ModelViewSet):
    serializer_class = StoreSerializer
    queryset = Store.objects.all()
    filterset_fields = ["city", "active"]
    search_fields = ["code", "name"]


def register(router: Any) -> None:
    router.register("stores", StoreViewSet, basename="store")
