"""Every desk list and add page renders for a superuser."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.db import models
from django.http import HttpRequest
from django.test import Client, RequestFactory
from django.urls import reverse

from lq_crm.doctype.club.models import ClubSettings
from tests.factories import (
    CardFactory,
    HouseholdPersonFactory,
    ProductFactory,
    submitted_slip,
)

REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)


def admin_url(model: type[models.Model], view: str, *args: object) -> str:
    meta = model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)


@pytest.fixture
def sample_data(db: None) -> None:
    """One household with a person, a card and a submitted slip, so lists have rows."""
    card = CardFactory()
    HouseholdPersonFactory(member=card.member)
    ProductFactory()
    submitted_slip(card, "600.00")


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
def test_changelist_renders(
    admin_client: Client, sample_data: None, model: type[models.Model]
) -> None:
    response = admin_client.get(admin_url(model, "changelist"), follow=True)

    assert response.status_code == 200


@pytest.fixture
def admin_request(rf: RequestFactory, admin_user: User) -> HttpRequest:
    request = rf.get("/")
    request.user = admin_user
    return request


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
def test_add_page_renders(
    admin_client: Client, admin_request: HttpRequest, model: type[models.Model]
) -> None:
    if not admin.site._registry[model].has_add_permission(admin_request):
        pytest.skip(f"{model._meta.label} cannot be added in the desk")

    response = admin_client.get(admin_url(model, "add"))

    assert response.status_code == 200


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
def test_change_page_renders(
    admin_client: Client,
    admin_request: HttpRequest,
    sample_data: None,
    model: type[models.Model],
) -> None:
    if not model._meta.managed:
        pytest.skip(f"{model._meta.label} has no table and no change page")

    obj = admin.site._registry[model].get_queryset(admin_request).first()
    if obj is None:
        pytest.skip(f"no {model._meta.label} row to open")

    response = admin_client.get(admin_url(model, "change", obj.pk))

    assert response.status_code == 200


def test_club_settings_list_opens_the_one_row(admin_client: Client) -> None:
    response = admin_client.get(reverse("admin:club_clubsettings_changelist"))

    assert response.status_code == 302
    assert response.url == admin_url(ClubSettings, "change", ClubSettings.load().pk)


def test_sidebar_groups_in_chinese(admin_client: Client) -> None:
    response = admin_client.get(reverse("admin:index"))
    page = response.content.decode()

    assert response.status_code == 200
    for title in ["会员", "门店与商品", "消息", "系统"]:
        assert title in page
