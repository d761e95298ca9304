"""Load Shandong's cities and districts from the national division codes."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from lq_crm.doctype.region.models import Region

# Laiwu became two districts of Jinan in 2019, but the club still runs it as
# one of its 17 regional offices, so the 2018 division list is kept.
NOTES = {"371200000000": "2019年并入济南市，俱乐部仍按独立办事处管理"}


# The division list has a "municipal districts" row under each city that only
# groups the urban districts; it is not a place anyone lives in.
MUNICIPAL_PLACEHOLDER = "市辖区"


def is_city(adcode: str) -> bool:
    return adcode[4:] == "00000000" and adcode[2:4] != "00"


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def coordinate(value: str) -> Decimal | None:
    return Decimal(value) if value else None


@transaction.atomic
def load_regions(path: Path) -> int:
    """Create or update every city and district in the CSV; return the count."""
    rows = read_rows(path)
    cities = [row for row in rows if is_city(row["adcode"])]
    districts = [
        row
        for row in rows
        if row["adcode"][4:6] != "00" and row["name"] != MUNICIPAL_PLACEHOLDER
    ]
    existing = {region.adcode: region for region in Region.objects.all()}

    for row in cities:
        upsert(existing, row, level=Region.Level.CITY, parent=None)
    city_by_prefix = {
        adcode[:4]: region
        for adcode, region in existing.items()
        if region.level == Region.Level.CITY
    }
    for row in districts:
        parent = city_by_prefix[row["adcode"][:4]]
        upsert(existing, row, level=Region.Level.DISTRICT, parent=parent)

    return len(cities) + len(districts)


def upsert(
    existing: dict[str, Region],
    row: dict[str, str],
    *,
    level: str,
    parent: Region | None,
) -> None:
    """Save the row's region unless it is already stored exactly so."""
    values = {
        "name": row["name"],
        "level": level,
        "parent_id": parent.pk if parent else None,
        "longitude": coordinate(row["longitude"]),
        "latitude": coordinate(row["latitude"]),
        "note": NOTES.get(row["adcode"], ""),
    }
    region = existing.get(row["adcode"]) or Region(adcode=row["adcode"])
    if region.pk and all(
        getattr(region, key) == value for key, value in values.items()
    ):
        return

    for key, value in values.items():
        setattr(region, key, value)
    region.save()
    existing[region.adcode] = region
