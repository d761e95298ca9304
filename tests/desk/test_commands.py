"""load_demo and ensure_admin can be run again without changing anything."""

from __future__ import annotations

import stat
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from pytest_django.fixtures import Settings
from stdnum import damm

from lq_crm.doctype.card.models import Card
from lq_crm.doctype.member.models import HouseholdPerson, Member
from lq_crm.doctype.points.models import PointsLedgerEntry
from lq_crm.doctype.slip.models import PurchaseSlip
from lq_crm.doctype.store.models import Store
from lq_crm.doctype.tier.models import TierChange

COUNTED = [Store, Member, HouseholdPerson, Card, PurchaseSlip, PointsLedgerEntry]


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


def test_load_demo_twice_adds_nothing(db: None) -> None:
    call_command("load_demo", households=12, stdout=StringIO())
    first = counts()
    call_command("load_demo", households=12, stdout=StringIO())

    assert counts() == first
    assert first["Member"] == 12
    assert first["Store"] == 34


def test_load_demo_data_is_real(db: None) -> None:
    call_command("load_demo", households=12, stdout=StringIO())

    members = Member.objects.all()
    assert all(member.phone.startswith("+861") for member in members)
    assert all(member.consent_given_at is not None for member in members)
    assert all(member.address.startswith(member.city.name) for member in members)
    assert all(damm.is_valid(card.card_number) for card in Card.objects.all())
    assert all(card.card_number.startswith("37") for card in Card.objects.all())
    assert PurchaseSlip.objects.filter(status=PurchaseSlip.Status.SUBMITTED).exists()
    assert sum(entry.points for entry in PointsLedgerEntry.objects.all()) > 0
    assert TierChange.objects.exists()
    assert {store.city.name for store in Store.objects.all()} >= {"济南市", "青岛市"}


def test_load_demo_rejects_zero_households(db: None) -> None:
    with pytest.raises(CommandError, match="at least 1"):
        call_command("load_demo", households=0)


@pytest.fixture
def site_dir(settings: Settings, tmp_path: Path) -> Path:
    settings.SITE_DIR = tmp_path
    return tmp_path


def test_ensure_admin_creates_then_repeats(db: None, site_dir: Path) -> None:
    first = StringIO()
    call_command("ensure_admin", stdout=first)
    password_path = site_dir / "admin_password.txt"
    password = password_path.read_text().strip()

    second = StringIO()
    call_command("ensure_admin", stdout=second)

    admin = User.objects.get(username="admin")
    assert admin.is_superuser
    assert admin.check_password(password)
    assert stat.S_IMODE(password_path.stat().st_mode) == 0o600
    assert "/desk/" in first.getvalue()
    assert password in first.getvalue()
    assert password in second.getvalue()
    assert "Created" not in second.getvalue()
    assert password_path.read_text().strip() == password


def test_ensure_admin_keeps_existing_user(db: None, site_dir: Path) -> None:
    User.objects.create_superuser("admin", password="chosen-by-hand-1")
    output = StringIO()

    call_command("ensure_admin", stdout=output)

    assert User.objects.get(username="admin").check_password("chosen-by-hand-1")
    assert not (site_dir / "admin_password.txt").exists()
    assert "changepassword" in output.getvalue()
