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
    city_by_prefix: dict[str, Region] = {}

    for row in cities:
        city, _ = Region.objects.update_or_create(
            adcode=row["adcode"],
            defaults={
                "name": row["name"],
                "level": Region.Level.CITY,
                "parent": None,
                "longitude": coordinate(row["longitude"]),
                "latitude": coordinate(row["latitude"]),
                "note": NOTES.get(row["adcode"], ""),
            },
        )
        city_by_prefix[row["adcode"][:4]] = city

    for row in districts:
        Region.objects.update_or_create(
            adcode=row["adcode"],
            defaults={
                "name": row["name"],
                "level": Region.Level.DISTRICT,
                "parent": city_by_prefix[row["adcode"][:4]],
                "longitude": coordinate(row["longitude"]),
                "latitude": coordinate(row["latitude"]),
            },
        )

    return len(cities) + len(districts)
