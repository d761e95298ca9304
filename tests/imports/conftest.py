from __future__ import annotations

from pathlib import Path

import pytest

CDNOW_FILE = Path(__file__).resolve().parents[1] / "data" / "cdnow" / "CDNOW_master.txt"


@pytest.fixture
def cdnow_file() -> Path:
    return CDNOW_FILE


@pytest.fixture
def purchase_file(tmp_path: Path):
    """Return a function that writes a CDNOW-style file and returns its path."""

    def write(*lines: str) -> Path:
        path = tmp_path / "purchases.txt"
        header = " customer_id  date number_of_cds  dollar_value"
        path.write_text("\r\n".join([header, *lines]) + "\r\n", encoding="utf-8")
        return path

    return write


# Encodings and formats that every cleaning rule is tried in: CSV as UTF-8
# with and without a byte order mark, GBK and GB18030, and XLSX.
FORMATS = ["utf-8", "utf-8-sig", "gbk", "gb18030", "xlsx"]


def write_table(path: Path, rows: list[list[object]], file_format: str) -> Path:
    """Write ``rows`` (the header first) as CSV in an encoding, or as XLSX."""
    if file_format == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        for row in rows:
            sheet.append(row)
        target = path.with_suffix(".xlsx")
        workbook.save(target)
        return target

    import csv

    target = path.with_suffix(".csv")
    with target.open("w", encoding=file_format, newline="") as file:
        csv.writer(file).writerows([[str(cell) for cell in row] for row in rows])
    return target


@pytest.fixture
def table(tmp_path: Path):
    """Return a function that writes a table file in a format and returns its path."""

    def write(
        rows: list[list[object]], file_format: str = "utf-8", name: str = "members"
    ) -> Path:
        return write_table(tmp_path / name, rows, file_format)

    return write


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path: Path) -> Path:
    """Keep uploads and error files of each test in its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
