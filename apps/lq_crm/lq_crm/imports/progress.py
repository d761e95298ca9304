"""A one-line text progress bar for management commands."""

from __future__ import annotations

from typing import TextIO


class ProgressBar:
    """Redraw ``[#####.....] done/total label`` in place on a terminal.

    On a stream that is not a terminal (a log file, a pipe) it writes a plain
    line at each tenth of the work instead, so logs stay readable.
    """

    def __init__(self, stream: TextIO, label: str, width: int = 40) -> None:
        self.stream = stream
        self.label = label
        self.width = width
        self.interactive = stream.isatty()
        self.last_tenth = -1

    def __call__(self, done: int, total: int) -> None:
        fraction = done / total if total else 1.0
        if self.interactive:
            filled = int(fraction * self.width)
            bar = "#" * filled + "." * (self.width - filled)
            self.stream.write(f"\r[{bar}] {done}/{total} {self.label}")
            if done >= total:
                self.stream.write("\n")
            self.stream.flush()
            return

        tenth = int(fraction * 10)
        if tenth != self.last_tenth:
            self.last_tenth = tenth
            self.stream.write(f"{done}/{total} {self.label}\n")
            self.stream.flush()
