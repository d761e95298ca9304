"""City and district proposed from an address; ages and birth years."""

from __future__ import annotations

import pytest

from lq_crm.keying.paper import parse_birth_year
from lq_crm.keying.proposal import propose_region

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("address", "city", "district"),
    [
        ("济南市历下区泉城路12号", "济南市", "历下区"),
        ("山东省青岛市崂山区香港东路8号", "青岛市", "崂山区"),
        ("历下区泉城路12号", "济南市", "历下区"),
        ("济南历下区解放路", "济南市", "历下区"),
        ("青岛崂山海尔路1号", "青岛市", "崂山区"),
        ("东营市河口区黄河路", "东营市", "河口区"),
        ("东营市东营区西四路", "东营市", "东营区"),
        ("济南市历下区青岛路5号", "济南市", "历下区"),
        ("枣庄市市中区光明路", "枣庄市", "市中区"),
        ("章丘区明水街道", "济南市", "章丘市"),
        ("济南市　历下区 泉城路", "济南市", "历下区"),
        ("ＬＱ大厦，淄博张店区", "淄博市", "张店区"),
    ],
)
def test_proposal_finds_city_and_district(
    address: str, city: str, district: str
) -> None:
    proposal = propose_region(address)

    assert proposal.city is not None
    assert proposal.city.name == city
    assert proposal.district is not None
    assert proposal.district.name == district
    assert proposal.district.parent_id == proposal.city.pk


def test_proposal_ignores_street_named_after_district() -> None:
    proposal = propose_region("青岛市泰山路8号")

    assert proposal.city is not None
    assert proposal.city.name == "青岛市"
    assert proposal.district is None


def test_proposal_ignores_street_named_after_city() -> None:
    assert propose_region("青岛路8号").city is None


def test_proposal_lists_shared_district_names() -> None:
    proposal = propose_region("市中区建设路3号")

    assert proposal.city is None
    assert proposal.district is None
    assert sorted(region.parent.name for region in proposal.candidates) == [
        "枣庄市",
        "济南市",
    ]


@pytest.mark.parametrize("address", ["", "   ", "北京市朝阳区建国路", "泉城路12号"])
def test_proposal_empty_without_shandong_place(address: str) -> None:
    proposal = propose_region(address)

    assert proposal.city is None
    assert proposal.district is None
    assert proposal.candidates == []


def test_district_of_other_city_not_proposed() -> None:
    proposal = propose_region("济南市崂山区")

    assert proposal.city is not None
    assert proposal.city.name == "济南市"
    assert proposal.district is None


@pytest.mark.parametrize(
    ("text", "birth_year"),
    [
        ("45", 1981),
        ("45岁", 1981),
        ("４５", 1981),
        ("1980", 1980),
        ("1980年", 1980),
        (" 1926 ", 1926),
        ("120", 1906),
        ("", None),
        ("  ", None),
    ],
)
def test_birth_year_from_age_or_year(text: str, birth_year: int | None) -> None:
    assert parse_birth_year(text, year=2026) == birth_year


@pytest.mark.parametrize("text", ["0", "121", "1899", "2027", "45年", "abc", "4 5x"])
def test_birth_year_rejects_nonsense(text: str) -> None:
    with pytest.raises(ValueError, match=r"age|number"):
        parse_birth_year(text, year=2026)
