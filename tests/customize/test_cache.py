"""Definitions are cached across processes and replaced as soon as one changes."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection, transaction

from lq_crm.customize.models import CustomField
from lq_crm.customize.registry import VERSION_KEY, active_fields
from lq_crm.doctype.member.models import Member

from .conftest import define_source_field

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def labels() -> list[str]:
    return [definition.label_zh for definition in active_fields(Member)]


def run_in_other_process(code: str) -> None:
    """Run ``code`` in ``manage.py shell`` against this test's database."""
    settings = connection.settings_dict
    url = (
        f"mysql://{settings['USER']}:{settings['PASSWORD']}@{settings['HOST']}:"
        f"{settings['PORT'] or 3306}/{settings['NAME']}"
    )
    env = {**os.environ, "DATABASE_URL": url}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.django_db(transaction=True)
def test_change_in_other_process_visible() -> None:
    define_source_field(Member)
    assert labels() == ["获知渠道"]

    # A raw UPDATE sends no signal, so this process keeps its cached copy:
    # proof that the next read below comes from the cache, not the database.
    run_in_other_process(
        "from lq_crm.customize.models import CustomField; "
        "CustomField.objects.filter(key='source').update(label_zh='来源')"
    )
    assert labels() == ["获知渠道"]

    run_in_other_process(
        "from lq_crm.customize.models import CustomField; "
        "field = CustomField.objects.get(key='source'); "
        "field.label_zh = '从哪里知道我们'; field.save()"
    )
    assert labels() == ["从哪里知道我们"]


@pytest.mark.django_db(transaction=True)
def test_delete_in_other_process_visible() -> None:
    define_source_field(Member)
    assert labels() == ["获知渠道"]

    run_in_other_process(
        "from lq_crm.customize.models import CustomField; "
        "CustomField.objects.get(key='source').delete()"
    )

    assert labels() == []


@pytest.mark.django_db
def test_save_bumps_version_on_commit(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    version = cache.get(VERSION_KEY)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        define_source_field(Member)

    assert len(callbacks) == 1
    assert cache.get(VERSION_KEY) != version


@pytest.mark.django_db(transaction=True)
def test_rollback_leaves_cache() -> None:
    assert labels() == []
    version = cache.get(VERSION_KEY)

    with pytest.raises(RuntimeError), transaction.atomic():
        define_source_field(Member)
        # The open transaction reads its own change, bypassing the cache.
        assert labels() == ["获知渠道"]
        raise RuntimeError("roll back")

    assert cache.get(VERSION_KEY) == version
    assert labels() == []
    assert not CustomField.objects.exists()
