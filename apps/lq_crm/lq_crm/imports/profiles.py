"""Load the YAML mapping profiles that tell the slip importer how to read a file.

A profile names the file format, the columns, the date format and the rules
that turn a customer id into a household and a legacy card. The shipped
profiles live in ``fixtures/import_profiles/``; ``cdnow.yaml`` documents
every key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from django.conf import settings

FORMATS = ("whitespace", "csv")
COLUMNS = ("customer", "date", "quantity", "amount")


class ProfileError(Exception):
    """A profile that is missing or invalid, with the key to fix."""


@dataclass(frozen=True)
class ImportProfile:
    name: str
    path: Path
    format: str
    delimiter: str
    header_lines: int
    encoding: str
    # Column name from the header line, or 0-based position.
    columns: dict[str, str | int]
    date_format: str
    purchase_time: time
    time_zone: ZoneInfo
    pad_width: int
    legacy_source: str
    household_name: str
    card_number: str
    store_code: str
    store_name: str
    store_city: str
    category: str
    receipt_number: str

    def customer_key(self, raw: str) -> str:
        """Return the padded customer id, or raise ValueError if it is not digits."""
        value = raw.strip()
        if not value.isdigit():
            raise ValueError(f"customer id {raw!r} is not a number")

        return value.lstrip("0").zfill(self.pad_width)

    def purchased_at(self, day: datetime) -> datetime:
        return datetime.combine(day.date(), self.purchase_time, self.time_zone)

    def format_receipt(self, key: str, day: datetime, sequence: int) -> str:
        return self.receipt_number.format(key=key, date=day, sequence=sequence)


def profiles_dir() -> Path:
    return Path(settings.FIXTURES_DIR) / "import_profiles"


def find_profile(name_or_path: str) -> Path:
    """Return the file of a shipped profile by name, or the given path."""
    candidate = Path(name_or_path)
    if candidate.suffix in {".yaml", ".yml"} or candidate.is_file():
        if not candidate.is_file():
            raise ProfileError(f"Profile file {name_or_path!r} was not found.")
        return candidate

    shipped = profiles_dir() / f"{name_or_path}.yaml"
    if not shipped.is_file():
        names = sorted(path.stem for path in profiles_dir().glob("*.yaml"))
        raise ProfileError(
            f"Profile {name_or_path!r} was not found in {profiles_dir()}. "
            f"shipped profiles: {', '.join(names) or 'none'}."
        )
    return shipped


def load_profile(name_or_path: str) -> ImportProfile:
    """Read and check a profile given by shipped name or by path."""
    path = find_profile(name_or_path)
    with path.open(encoding="utf-8") as file:
        data = yaml.safe_load(file)
    if not isinstance(data, dict):
        raise ProfileError(f"Profile {path} is not a YAML mapping.")

    return parse_profile(data, path)


def parse_profile(data: dict[str, Any], path: Path) -> ImportProfile:
    file_options = section(data, "file", path)
    customer = section(data, "customer", path)
    store = section(data, "store", path)
    columns = section(data, "columns", path)

    file_format = str(file_options.get("format", "csv"))
    if file_format not in FORMATS:
        raise ProfileError(
            f"Profile {path}: file.format {file_format!r} is invalid, "
            f"use one of {', '.join(FORMATS)}."
        )
    missing = [column for column in COLUMNS if column not in columns]
    if missing:
        raise ProfileError(f"Profile {path}: columns {', '.join(missing)} are missing.")

    return ImportProfile(
        name=str(data.get("name") or path.stem),
        path=path,
        format=file_format,
        delimiter=str(file_options.get("delimiter", ",")),
        header_lines=int(file_options.get("header_lines", 0)),
        encoding=str(file_options.get("encoding", "utf-8")),
        columns={column: columns[column] for column in COLUMNS},
        date_format=required(data, "date_format", path),
        purchase_time=parse_time(str(data.get("purchase_time", "12:00")), path),
        time_zone=parse_zone(str(data.get("time_zone", settings.TIME_ZONE)), path),
        pad_width=int(customer.get("pad_width", 0)),
        legacy_source=required(customer, "legacy_source", path),
        household_name=required(customer, "household_name", path),
        card_number=required(customer, "card_number", path),
        store_code=required(store, "code", path),
        store_name=required(store, "name", path),
        store_city=required(store, "city", path),
        category=required(data, "category", path),
        receipt_number=required(data, "receipt_number", path),
    )


def section(data: dict[str, Any], key: str, path: Path) -> dict[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise ProfileError(f"Profile {path}: section {key!r} is missing.")

    return value


def required(data: dict[str, Any], key: str, path: Path) -> str:
    value = data.get(key)
    if value is None or str(value).strip() == "":
        raise ProfileError(f"Profile {path}: key {key!r} is missing.")

    return str(value)


def parse_time(value: str, path: Path) -> time:
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise ProfileError(
            f"Profile {path}: purchase_time {value!r} is invalid, use HH:MM."
        ) from None


def parse_zone(value: str, path: Path) -> ZoneInfo:
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ProfileError(
            f"Profile {path}: time_zone {value!r} is not a known time zone."
        ) from None
