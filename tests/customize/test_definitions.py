"""Custom field definitions are checked before they are saved."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.utils import translation

from lq_crm.customize.models import CustomField, customisable_models
from lq_crm.customize.registry import active_fields
from lq_crm.doctype.event.models import Event, Registration
from lq_crm.doctype.member.models import HouseholdPerson, Member
from lq_crm.doctype.store.models import Store

from .conftest import define_field, define_source_field

pytestmark = pytest.mark.django_db


def errors_of(model: Any, key: str, **values: Any) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        define_field(model, key, **values)
    return caught.value.message_dict


def test_customisable_models_cover_documents() -> None:
    models = customisable_models()

    for model in (Member, HouseholdPerson, Event, Registration, Store):
        assert model in models
    assert User not in models
    assert not any(model.__name__.startswith("Historical") for model in models)


@pytest.mark.parametrize("key", ["Source", "1source", "source-type", "来源"])
def test_key_must_be_identifier(key: str) -> None:
    assert "key" in errors_of(Member, key)


@pytest.mark.parametrize("key", ["phone", "city_id", "number", "save", "persons"])
def test_key_cannot_shadow_model_attribute(key: str) -> None:
    assert "key" in errors_of(Member, key)


def test_key_unique_per_type() -> None:
    define_field(Member, "source")

    assert "__all__" in errors_of(Member, "source")
    define_field(Store, "source")


def test_select_needs_options() -> None:
    errors = errors_of(Member, "source", field_type="select", options="")

    assert "options" in errors


def test_select_options_unique() -> None:
    errors = errors_of(Member, "source", field_type="select", options="门店\n门店")

    assert "options" in errors


def test_options_only_on_select() -> None:
    assert "options" in errors_of(Member, "note", options="a\nb")


def test_link_needs_type() -> None:
    assert "link_type" in errors_of(Member, "referrer", field_type="link")


def test_link_to_unknown_model() -> None:
    gone = ContentType.objects.create(app_label="gone", model="vanished")

    errors = errors_of(Member, "referrer", field_type="link", link_type=gone)

    assert "link_type" in errors


def test_document_type_must_be_customisable() -> None:
    errors = errors_of(User, "nickname")

    assert "document_type" in errors


@pytest.mark.parametrize(
    ("field_type", "default"),
    [("integer", "many"), ("date", "2026-13-01"), ("check", "maybe")],
)
def test_default_must_match_type(field_type: str, default: str) -> None:
    errors = errors_of(Member, "extra", field_type=field_type, default=default)

    assert "default" in errors


def test_default_must_be_an_option() -> None:
    with pytest.raises(ValidationError) as caught:
        define_source_field(Member, default="网络")

    assert "default" in caught.value.message_dict


def test_label_follows_language() -> None:
    define_source_field(Member)
    (definition,) = active_fields(Member)

    with translation.override("zh-hans"):
        assert definition.label == "获知渠道"
    with translation.override("en"):
        assert definition.label == "Heard of us via"


def test_inactive_field_not_listed() -> None:
    field = define_source_field(Member)
    field.active = False
    field.save()

    assert active_fields(Member) == ()
    assert CustomField.objects.filter(key="source").exists()
