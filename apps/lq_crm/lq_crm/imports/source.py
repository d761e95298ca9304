"""Read the rows of a CSV or XLSX import file as text cells, streaming.

CSV files come in UTF-8 (with or without a byte order mark), GBK or GB18030,
and the encoding is detected by decoding the whole file with each candidate
in turn, so the user never chooses it. When both UTF-8 and GBK read the file,
UTF-8 wins unless its text of the first block has no Chinese characters and
the GB18030 text does. XLSX files are read with openpyxl in
read-only mode, which keeps one row in memory at a time.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zipfile import BadZipFile

from django.utils.translation import gettext as _

CSV = "csv"
XLSX = "xlsx"
FORMATS = (CSV, XLSX)
UTF8_SIG = "utf-8-sig"
# Tried in this order: GBK before GB18030, so that a GBK file is written back
# as GBK. GB18030 is a superset of GBK and reads what GBK cannot.
ENCODINGS = ("utf-8", "gbk", "gb18030")
BLOCK_SIZE = 1 << 20
# CJK unified ideographs: the basic block, extension A, the compatibility
# block and extensions B onwards in the supplementary planes.
CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")


class SourceError(ValueError):
    """A file that cannot be read as an import file, with what to do."""


@dataclass(frozen=True)
class FileInfo:
    format: str
    encoding: str
    checksum: str


@dataclass(frozen=True)
class SourceRow:
    """One data row: its row number in the file (the header is row 1) and cells."""

    number: int
    cells: list[str]


def file_format(name: str) -> str:
    """Return csv or xlsx from the file name, or raise SourceError."""
    suffix = Path(name).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise SourceError(
            _("File %(name)s is not a .csv or .xlsx file: save it as one of them.")
            % {"name": name}
        )
    return suffix


def inspect_file(path: Path, name: str | None = None) -> FileInfo:
    """Return the format, encoding and SHA-256 of the file, reading it once."""
    kind = file_format(name or path.name)
    digest = hashlib.sha256()
    decoders = {
        encoding: codecs.getincrementaldecoder(encoding)() for encoding in ENCODINGS
    }
    with path.open("rb") as file:
        first = file.read(BLOCK_SIZE)
        has_bom = first.startswith(codecs.BOM_UTF8)
        block = first
        while block:
            digest.update(block)
            if kind == CSV:
                feed(decoders, block, final=False)
            block = file.read(BLOCK_SIZE)
    if kind == XLSX:
        return FileInfo(format=XLSX, encoding="", checksum=digest.hexdigest())

    feed(decoders, b"", final=True)
    if not decoders:
        raise SourceError(
            _(
                "The file is not in UTF-8, GBK or GB18030: save it again as "
                "CSV UTF-8 or as an Excel workbook."
            )
        )
    if not has_bom and "utf-8" in decoders and looks_like_gb(first):
        del decoders["utf-8"]
    encoding = next(iter(decoders))
    if encoding == "utf-8" and has_bom:
        encoding = UTF8_SIG
    return FileInfo(format=CSV, encoding=encoding, checksum=digest.hexdigest())


def looks_like_gb(sample: bytes) -> bool:
    """Tell whether GB18030 reads Chinese text from ``sample`` and UTF-8 reads none.

    Many GBK byte pairs are also valid UTF-8 (谢伟 is D0 BB CE B0 in GBK), so
    a short GBK file can decode as UTF-8 into Cyrillic-looking letters. The
    sample may end inside a character, so undecodable bytes are ignored.

    NOTE: a UTF-8 file whose only non-ASCII text is accented Latin letters
    (é is C3 A9) also passes this test and is then read as GBK.
    """
    as_utf8 = sample.decode("utf-8", errors="ignore")
    if CJK.search(as_utf8):
        return False
    return CJK.search(sample.decode("gb18030", errors="ignore")) is not None


def feed(decoders: dict[str, Any], block: bytes, *, final: bool) -> None:
    """Decode ``block`` with every candidate and drop those that fail."""
    for encoding in list(decoders):
        try:
            decoders[encoding].decode(block, final)
        except UnicodeDecodeError:
            del decoders[encoding]


def normalise_header(text: str) -> str:
    """Return a header cell for matching: NFKC, no BOM or spaces, lower case.

    Full-width spaces fold to spaces under NFKC and are removed with the
    others, as are underscores and dashes, so "Card No", "card_no" and
    "卡　号" match the aliases "cardno" and "卡号".
    """
    folded = unicodedata.normalize("NFKC", text.replace("\ufeff", ""))
    return "".join(folded.split()).replace("_", "").replace("-", "").lower()


def cell_text(value: Any) -> str:
    """Return an XLSX cell value as the text a user would have typed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, float):
        # repr keeps what the cell stores: 8.61381e+12 stays visibly mangled.
        return repr(value)
    if isinstance(value, datetime):
        return (
            value.date().isoformat()
            if value.time() == datetime.min.time()
            else value.isoformat(sep=" ")
        )
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def read_rows(path: Path, info: FileInfo) -> Iterator[SourceRow]:
    """Yield every row of the file, the header first as row 1, skipping empty rows."""
    if info.format == XLSX:
        yield from read_xlsx(path)
    else:
        yield from read_csv(path, info.encoding)


def read_csv(path: Path, encoding: str) -> Iterator[SourceRow]:
    with path.open(encoding=encoding, newline="") as file:
        reader = csv.reader(file)
        for number, cells in enumerate(reader, start=1):
            if any(cell.strip() for cell in cells):
                yield SourceRow(number=number, cells=cells)


def read_xlsx(path: Path) -> Iterator[SourceRow]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, OSError, KeyError, ValueError) as error:
        raise SourceError(
            _("The workbook cannot be opened (%(error)s): save it again as .xlsx.")
            % {"error": error}
        ) from None
    try:
        sheet = workbook.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [cell_text(value) for value in values]
            if any(cell.strip() for cell in cells):
                yield SourceRow(number=number, cells=cells)
    finally:
        workbook.close()


def count_rows(path: Path, info: FileInfo) -> int:
    """Return the number of data rows, the header excluded."""
    return max(sum(1 for _row in read_rows(path, info)) - 1, 0)
