"""Propose the city and district of a Shandong address from the region names in it.

Addresses on paper forms name places in full (济南市历下区), by their short
form (济南历下) or by the district alone (历下区泉城路). A short form also
occurs in street names (青岛路 in Jinan, 泰山路 in Qingdao), so a short form
followed by a street or building word is not taken as a place.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from lq_crm.doctype.region.models import Region

PROVINCE_PREFIXES = ("山东省", "山东")
# Suffixes of division names, longest first, that the short form drops.
DIVISION_SUFFIXES = ("市", "区", "县")
# Words that follow a place name used as a street or building name.
STREET_WORDS = ("路", "街", "大道", "道", "巷", "胡同", "广场", "大厦", "花园")


@dataclass(frozen=True)
class RegionProposal:
    """The city and district found in an address; empty when none was found.

    ``candidates`` lists the districts of the same name in several cities
    (such as 市中区) when the address names no city to choose between them.
    """

    city: Region | None = None
    district: Region | None = None
    candidates: list[Region] = field(default_factory=list)


@dataclass(frozen=True)
class Hit:
    region: Region
    position: int
    end: int
    full_name: bool

    def overlaps(self, other: Hit) -> bool:
        return self.position < other.end and other.position < self.end


def clean_address(address: str) -> str:
    """Fold full-width characters, drop spaces and the province's name."""
    text = "".join(unicodedata.normalize("NFKC", address).split())
    for prefix in PROVINCE_PREFIXES:
        if text.startswith(prefix):
            return text[len(prefix) :]

    return text


def short_name(name: str) -> str | None:
    """Return the name without its division suffix, or None when too short to use.

    Short forms of one character (莒县 to 莒) and those starting with 市
    (市中区 to 市中) would match ordinary words, so they are not used.
    """
    for suffix in DIVISION_SUFFIXES:
        if name.endswith(suffix):
            stem = name[: -len(suffix)]
            if len(stem) >= 2 and not stem.startswith("市"):
                return stem
            return None

    return None


def find_name(text: str, region: Region) -> Hit | None:
    """Return the first place in ``text`` where the region is named, or None."""
    position = text.find(region.name)
    if position >= 0:
        return Hit(region, position, position + len(region.name), full_name=True)

    stem = short_name(region.name)
    if stem is None:
        return None
    start = text.find(stem)
    while start >= 0:
        after = text[start + len(stem) :]
        if not after.startswith(STREET_WORDS):
            return Hit(region, start, start + len(stem), full_name=False)
        start = text.find(stem, start + 1)

    return None


def first_hit(hits: list[Hit]) -> Hit | None:
    """Return the hit nearest the start, preferring a full name at one position."""
    if not hits:
        return None

    return min(hits, key=lambda hit: (hit.position, not hit.full_name))


def propose_region(address: str, regions: list[Region] | None = None) -> RegionProposal:
    """Propose the city and district of ``address`` from the region names in it.

    The city named nearest the start wins. A district is taken only from
    that city, or, when no city is named, decides the city itself unless the
    same district name exists in several cities. ``regions`` defaults to
    every city and district on file, with their parents loaded.
    """
    text = clean_address(address)
    if not text:
        return RegionProposal()
    if regions is None:
        regions = list(Region.objects.select_related("parent"))

    cities = [region for region in regions if region.level == Region.Level.CITY]
    districts = [region for region in regions if region.level == Region.Level.DISTRICT]
    city_hit = first_hit([hit for city in cities if (hit := find_name(text, city))])
    district_hits = [
        hit for district in districts if (hit := find_name(text, district))
    ]

    if city_hit is not None:
        city = city_hit.region
        # 东营市 contains the short form of its own 东营区, which is no district.
        own = [
            hit
            for hit in district_hits
            if hit.region.parent_id == city.pk and not hit.overlaps(city_hit)
        ]
        district_hit = first_hit(own)
        district = district_hit.region if district_hit else None
        return RegionProposal(city=city, district=district)

    return proposal_from_districts(district_hits)


def proposal_from_districts(hits: list[Hit]) -> RegionProposal:
    """Take the city from the first district named, unless several cities share it."""
    first = first_hit(hits)
    if first is None:
        return RegionProposal()

    same_place = [
        hit.region
        for hit in hits
        if hit.position == first.position and hit.region.name == first.region.name
    ]
    if len(same_place) > 1:
        return RegionProposal(candidates=sorted(same_place, key=lambda r: r.adcode))

    return RegionProposal(city=first.region.parent, district=first.region)
