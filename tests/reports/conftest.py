"""A small generated club: two cities, stores, households and dated slips."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

import pytest

from lq_crm.doctype.member.models import Member
from lq_crm.doctype.region.models import Region
from lq_crm.doctype.slip.models import PurchaseSlip
from lq_crm.doctype.slip.services import cancel_slip
from lq_crm.doctype.store.models import Store
from tests.factories import CardFactory, MemberFactory, StoreFactory
from tests.reports.helpers import dated_slip, local

ACTIVITIES = [
    Member.SignupActivity.STORE,
    Member.SignupActivity.COMMUNITY,
    Member.SignupActivity.CAMPUS,
    Member.SignupActivity.SNAKE_PARK_TRIP,
]
CATEGORIES = ["health", "cosmetics", "daily"]


@dataclass
class Club:
    jinan: Region
    qingdao: Region
    stores: dict[int, list[Store]]
    members: list[Member] = field(default_factory=list)
    slips: list[PurchaseSlip] = field(default_factory=list)


@pytest.fixture
def club(jinan: Region, qingdao: Region) -> Club:
    """Generate 18 households with slips from 2025-11 to 2026-04, a few cancelled."""
    generator = random.Random(20260315)
    stores = {
        city.pk: [StoreFactory(city=city), StoreFactory(city=city)]
        for city in (jinan, qingdao)
    }
    built = Club(jinan=jinan, qingdao=qingdao, stores=stores)
    for index in range(18):
        city = jinan if index % 3 else qingdao
        member = MemberFactory(
            city=city,
            signup_activity=ACTIVITIES[index % len(ACTIVITIES)],
            signup_store=stores[city.pk][index % 2],
            joined_on=date(2025, 10 + index % 3, 1 + index),
            consent_marketing=index % 2 == 0,
        )
        joined = member.joined_on
        card = CardFactory(
            member=member, issued_at=local(joined.year, joined.month, joined.day)
        )
        built.members.append(member)
        for _slip in range(generator.randint(0, 3)):
            year, month = generator.choice(
                [(2025, 11), (2025, 12), (2026, 1), (2026, 3), (2026, 4)]
            )
            # Most purchases at the household's own city, some elsewhere.
            store_city = (
                city
                if generator.random() < 0.8
                else (qingdao if city == jinan else jinan)
            )
            lines = [
                (
                    generator.choice(CATEGORIES),
                    f"{generator.randint(10, 900)}.{generator.randint(0, 99):02d}",
                )
                for _line in range(generator.randint(1, 3))
            ]
            slip = dated_slip(
                card,
                generator.choice(stores[store_city.pk]),
                local(year, month, generator.randint(1, 28), generator.randint(0, 23)),
                lines,
            )
            if generator.random() < 0.15:
                slip = cancel_slip(slip)
            built.slips.append(slip)
    return built
