"""Read a purchase file into checked rows and a list of bad rows, per a profile."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from django.utils import translation

from lq_crm.doctype.slip.services import SlipError, clean_amount
from lq_crm.imports.profiles import ImportProfile, ProfileError


@dataclass(frozen=True)
class PurchaseRow:
    line_number: int
    customer_key: str
    purchased_at: datetime
    quantity: int
    amount: Decimal
    receipt_number: str


@dataclass(frozen=True)
class RowError:
    line_number: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line_number}: {self.message}"


@dataclass
class ReadResult:
    rows: list[PurchaseRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    checksum: str = ""


def file_checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def split_lines(path: Path, profile: ImportProfile) -> Iterator[tuple[int, list[str]]]:
    """Yield (1-based line number, fields) for each non-empty line of the file."""
    with path.open(encoding=profile.encoding, newline="") as file:
        if profile.format == "csv":
            reader = csv.reader(file, delimiter=profile.delimiter)
            for fields in reader:
                if any(value.strip() for value in fields):
                    yield reader.line_num, fields
            return

        for number, line in enumerate(file, start=1):
            fields = line.split()
            if fields:
                yield number, fields


def resolve_columns(profile: ImportProfile, header: list[str] | None) -> list[int]:
    """Return the position of each column in COLUMNS order."""
    names = [name.strip() for name in header] if header else []
    positions = []
    for column, spec in profile.columns.items():
        if isinstance(spec, int):
            positions.append(spec)
        elif spec in names:
            positions.append(names.index(spec))
        else:
            raise ProfileError(
                f"Column {spec!r} ({column}) is not in the header line {names}: "
                f"fix the columns of profile {profile.path}."
            )
    return positions


def read_purchases(path: Path, profile: ImportProfile) -> ReadResult:
    """Parse every data line, and list bad lines in ``errors`` by line number.

    Receipt numbers are formed here because their sequence depends on file
    order: it counts the rows of one customer on one day.
    """
    result = ReadResult(checksum=file_checksum(path))
    lines = split_lines(path, profile)
    header = None
    for _index in range(profile.header_lines):
        _number, header = next(lines, (0, []))
    positions = resolve_columns(profile, header)
    sequences: dict[tuple[str, datetime], int] = {}

    for line_number, fields in lines:
        try:
            # The amount checks of the slip services are shared, and their
            # messages are kept in English like the rest of the error list.
            with translation.override("en"):
                key, day, quantity, amount = parse_fields(fields, positions, profile)
        except ValueError as error:
            result.errors.append(RowError(line_number, str(error)))
            continue

        sequence = sequences.get((key, day), 0) + 1
        sequences[key, day] = sequence
        result.rows.append(
            PurchaseRow(
                line_number=line_number,
                customer_key=key,
                purchased_at=profile.purchased_at(day),
                quantity=quantity,
                amount=amount,
                receipt_number=profile.format_receipt(key, day, sequence),
            )
        )
    return result


def parse_fields(
    fields: list[str], positions: list[int], profile: ImportProfile
) -> tuple[str, datetime, int, Decimal]:
    if len(fields) <= max(positions):
        raise ValueError(f"expected {max(positions) + 1} fields, found {len(fields)}")
    raw_key, raw_date, raw_quantity, raw_amount = (fields[i] for i in positions)

    key = profile.customer_key(raw_key)
    try:
        day = datetime.strptime(raw_date.strip(), profile.date_format)
    except ValueError:
        raise ValueError(
            f"date {raw_date!r} does not match the format {profile.date_format!r}"
        ) from None
    try:
        quantity = int(raw_quantity)
    except ValueError:
        raise ValueError(f"quantity {raw_quantity!r} is not a whole number") from None
    if quantity < 0:
        raise ValueError(f"quantity {quantity} is negative")
    try:
        amount = clean_amount(raw_amount.strip())
    except SlipError as error:
        raise ValueError(str(error)) from None

    return key, day, quantity, amount
