"""Write the rows that failed, in the uploaded file's format, with what to fix."""

from __future__ import annotations

import csv
from pathlib import Path
from types import TracebackType
from typing import Any

from django.utils.translation import gettext as _

from lq_crm.imports.source import XLSX, FileInfo


class ErrorFile:
    """The header, then each failing row's cells and a last column saying what to fix.

    A CSV is written in the encoding the upload was read in, so that a GBK file
    opens in the same program the same way. A character that encoding cannot
    hold (only possible in the added message) is written as ``?``.
    """

    def __init__(self, path: Path, info: FileInfo, header: list[str]) -> None:
        self.path = path
        self.info = info
        self.width = len(header)
        self.rows = 0
        self.workbook: Any = None
        self.sheet: Any = None
        self.file: Any = None
        self.writer: Any = None
        path.parent.mkdir(parents=True, exist_ok=True)
        first = [*header, str(_("What to fix"))]
        if info.format == XLSX:
            from openpyxl import Workbook

            self.workbook = Workbook(write_only=True)
            self.sheet = self.workbook.create_sheet()
            self.sheet.append(first)
        else:
            self.file = path.open(
                "w", encoding=info.encoding, errors="replace", newline=""
            )
            self.writer = csv.writer(self.file)
            self.writer.writerow(first)

    def add(self, cells: list[str], message: str) -> None:
        self.rows += 1
        # A short row is padded so that the message stays in its own column
        # and a corrected file can be imported again as it is.
        cells = [*cells, *[""] * (self.width - len(cells))]
        if self.sheet is not None:
            self.sheet.append([*cells, message])
        else:
            self.writer.writerow([*cells, message])

    def close(self) -> None:
        if self.workbook is not None:
            self.workbook.save(self.path)
            self.workbook = None
        if self.file is not None:
            self.file.close()
            self.file = None

    def __enter__(self) -> ErrorFile:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def error_file_name(file_name: str, info: FileInfo) -> str:
    """Return the download name: the upload's name with ``-errors`` added."""
    stem = Path(file_name).stem or "import"
    return f"{stem}-errors.{info.format}"
