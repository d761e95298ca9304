"""Every desk admin and API viewset of a city-scoped model uses the scoping mixins."""

from __future__ import annotations

import pytest
from django.contrib import admin

from lq_crm.api import router
from lq_crm.core.admin import CityScopedAdminMixin
from lq_crm.core.scoping import CITY_PATHS, CityScopedViewSetMixin, is_city_scoped


def test_every_scoped_admin_uses_mixin() -> None:
    unscoped = [
        type(model_admin).__name__
        for model, model_admin in admin.site._registry.items()
        if is_city_scoped(model) and not isinstance(model_admin, CityScopedAdminMixin)
    ]

    assert unscoped == []


def test_every_scoped_inline_uses_mixin() -> None:
    unscoped = [
        inline.__name__
        for model_admin in admin.site._registry.values()
        for inline in model_admin.inlines
        if is_city_scoped(inline.model) and not issubclass(inline, CityScopedAdminMixin)
    ]

    assert unscoped == []


@pytest.mark.parametrize(
    "registration", router.registry, ids=[entry[0] for entry in router.registry]
)
def test_every_scoped_viewset_uses_mixin(registration: tuple) -> None:
    _prefix, viewset, _basename = registration
    model = viewset.serializer_class.Meta.model
    if not is_city_scoped(model):
        return

    assert issubclass(viewset, CityScopedViewSetMixin)
    # A get_queryset of the viewset's own would bypass the mixin's filter.
    assert viewset.get_queryset is CityScopedViewSetMixin.get_queryset


def test_city_paths_resolve() -> None:
    from django.apps import apps

    for label, path in CITY_PATHS.items():
        model = apps.get_model(label)
        model.objects.filter(**{f"{path.lookup}__isnull": True}).query.__str__()
