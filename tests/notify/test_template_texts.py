"""The shipped message texts, and the migration that joined their lines."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.apps import apps

from lq_crm.core.fixtures import read_yaml
from lq_crm.notify.models import MessageTemplate

pytestmark = pytest.mark.django_db

join_migration = import_module("lq_crm.notify.migrations.0002_join_template_lines")


def test_shipped_bodies_unspaced() -> None:
    for row in read_yaml("message_templates.yaml"):
        for mark in "，。！：":
            assert f"{mark} " not in row["body"], row["code"]


def test_migration_joins_spaced_break() -> None:
    upgrade = MessageTemplate.objects.get(code="tier_upgrade")
    upgrade.body = (
        "您的会员卡{{ card_number }}累计消费{{ spend }}元， 已升级为{{ to_tier }}。"
    )
    upgrade.save()
    edited = MessageTemplate.objects.get(code="lottery_won")
    edited.body = "恭喜中签！请按时参加。"
    edited.save()

    join_migration.join_lines(apps, None)

    upgrade.refresh_from_db()
    edited.refresh_from_db()
    assert (
        upgrade.body
        == "您的会员卡{{ card_number }}累计消费{{ spend }}元，已升级为{{ to_tier }}。"
    )
    assert edited.body == "恭喜中签！请按时参加。"
