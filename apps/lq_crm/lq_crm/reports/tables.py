"""Figures as tables: what a page shows, what a chart draws, what Excel gets."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

# Chart colours in the order series are drawn; unfold's primary colour first.
COLOURS = [
    "var(--color-primary-600)",
    "#0ea5e9",
    "#f59e0b",
    "#10b981",
    "#ef4444",
    "#8b5cf6",
    "#64748b",
    "#ec4899",
]


@dataclass(frozen=True)
class Link:
    """A figure with the address of the list it counts."""

    value: Any
    url: str

    def __str__(self) -> str:
        return str(self.value)


@dataclass
class Table:
    """One figure: a titled table whose cells may link to their lists."""

    key: str
    title: str
    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    chart: dict[str, Any] | None = None
    chart_type: str = "bar"
    note: str = ""

    def plain_rows(self) -> list[list[Any]]:
        """Return the rows with links replaced by their values, for Excel."""
        return [[plain(value) for value in row] for row in self.rows]

    def chart_json(self) -> str:
        """Return the chart data as JSON; the template's autoescaping quotes it."""
        return json.dumps(self.chart or {}, default=str)


def plain(value: Any) -> Any:
    value = value.value if isinstance(value, Link) else value
    if isinstance(value, date):
        return value
    if isinstance(value, (int, Decimal, str)) or value is None:
        return value
    return str(value)


def chart(
    labels: list[str], series: dict[str, list[Any]], *, stacked: bool = False
) -> dict[str, Any]:
    """Build Chart.js data for unfold's chart components: one dataset per series."""
    datasets = [
        {
            "label": name,
            "data": [float(value) for value in values],
            "backgroundColor": COLOURS[index % len(COLOURS)],
            "borderColor": COLOURS[index % len(COLOURS)],
            **({"stack": "total"} if stacked else {}),
        }
        for index, (name, values) in enumerate(series.items())
    ]
    return {"labels": labels, "datasets": datasets}


def month_label(month: date) -> str:
    return f"{month:%Y-%m}"
