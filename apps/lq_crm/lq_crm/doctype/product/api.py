from __future__ import annotations

from typing import Any

from rest_framework import serializers, viewsets

from lq_crm.doctype.product.models import Product, ProductCategory


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = ProductCategory
        fields = ["id", "code", "name", "point_rate", "qualifying", "position"]


class ProductSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=ProductCategory.objects.all()
    )

    class Meta:
        model = Product
        fields = ["id", "code", "name", "category", "price", "active"]


class CategoryViewSet(viewsets.ModelViewSet):
    serializer_class = CategorySerializer
    queryset = ProductCategory.objects.all()


class ProductViewSet(viewsets.ModelViewSet):
    serializer_class = ProductSerializer
    queryset = Product.objects.select_related("category")
    filterset_fields = ["category", "active"]
    search_fields = ["code", "name"]


def register(router: Any) -> None:
    router.register("product-categories", CategoryViewSet, basename="product-category")
    router.register("products", ProductViewSet, basename="product")
