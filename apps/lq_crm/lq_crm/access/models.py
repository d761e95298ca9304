from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.Model):
    """The code that identifies a role group in the project's code (``store_clerk``).

    Admins may rename the group in the desk; code finds it by this code.
    """

    code = models.SlugField(_("code"), max_length=32, unique=True)
    group = models.OneToOneField(
        Group, verbose_name=_("group"), on_delete=models.CASCADE, related_name="role"
    )
    # The permissions that sync_fixtures last gave the group, as
    # "app_label.codename". A later sync changes only what the fixture
    # changed since then, so edits made in the permission matrix survive it.
    fixture_permissions = models.JSONField(
        _("permissions from the fixture"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        # Held on Role because personal data spans several models. Without it
        # phones, addresses and birth years are masked everywhere.
        permissions = [
            ("view_personal_data", _("Can view members' phone, address and age")),
        ]

    def __str__(self) -> str:
        return self.group.name


class CityScope(models.Model):
    """The cities a user may work on.

    A user without a scope works on every city (head office). A user with a
    scope works on its cities only, and on none if the list is empty, so that
    forgetting to pick a city never opens the whole province.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="city_scope",
    )
    cities = models.ManyToManyField(
        "region.Region",
        verbose_name=_("cities"),
        blank=True,
        limit_choices_to={"level": "city"},
        related_name="+",
    )

    class Meta:
        verbose_name = _("city scope")
        verbose_name_plural = _("city scopes")

    def __str__(self) -> str:
        return str(self.user)
