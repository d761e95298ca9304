"""Mask members' phone, address and birth year for users who may not read them.

Users whose roles do not hold ``access.view_personal_data`` see a phone as
``+86139****5678``, an address cut to its district and no birth year, in the
desk, the API and the exports.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.fields import empty

from lq_crm.core.phones import mask_phone

PERSONAL_DATA_PERMISSION = "access.view_personal_data"


def may_view_personal_data(user: Any) -> bool:
    return user is not None and bool(user.has_perm(PERSONAL_DATA_PERMISSION))


def mask_address(instance: Any) -> str:
    """Cut an address to the district, or the city when no district is set."""
    region = getattr(instance, "district", None) or getattr(instance, "city", None)
    return region.name if region is not None else ""


def request_user(context: dict[str, Any]) -> Any:
    request = context.get("request")
    return getattr(request, "user", None)


class PersonalFieldMixin:
    """Reject a change of the field on update by a user who sees it masked.

    A new household may be created with its personal data, as in the desk's
    add form, but an existing one keeps what it has.
    """

    context: dict[str, Any]
    parent: Any

    def run_validation(self, data: Any = empty) -> Any:
        value = super().run_validation(data)  # type: ignore[misc]
        updating = getattr(self.parent, "instance", None) is not None
        if (
            data is not empty
            and updating
            and not may_view_personal_data(request_user(self.context))
        ):
            raise serializers.ValidationError(
                _(
                    "You may not change personal data: ask a user with access "
                    "to personal data, or leave this field out."
                )
            )
        return value


class PersonalPhoneField(PersonalFieldMixin, serializers.CharField):
    """A phone number that is masked unless the user may view personal data."""

    def to_representation(self, value: Any) -> str:
        text = super().to_representation(value)
        if may_view_personal_data(request_user(self.context)):
            return text
        return mask_phone(text)


class PersonalBirthYearField(PersonalFieldMixin, serializers.IntegerField):
    """A birth year that reads as null unless the user may view personal data."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("required", False)
        kwargs.setdefault("min_value", 1900)
        kwargs.setdefault("max_value", 2100)
        super().__init__(**kwargs)

    def get_attribute(self, instance: Any) -> Any:
        if not may_view_personal_data(request_user(self.context)):
            return None
        return super().get_attribute(instance)


class PersonalAddressField(PersonalFieldMixin, serializers.CharField):
    """A street address that reads as its district unless the user may view it.

    It reads the whole instance because the masked form needs the district.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def get_attribute(self, instance: Any) -> Any:
        return instance

    def to_representation(self, value: Any) -> str:
        if may_view_personal_data(request_user(self.context)):
            return str(value.address)
        return mask_address(value)
