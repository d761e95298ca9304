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
