"""The shapes the analytics pages hand to their charts and tables (no Django, no queries).

A chart's data is ``{"labels": [...], "datasets": [{"label": ..., "data": [...]}]}``, which
``analytics/charts.js`` passes to Chart.js; the page writes it with ``json_script`` and prints
the same numbers in a table beside the chart.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

SHADES = 10


def plain(value: Any) -> float | None:
    """A JSON-safe number: None for missing, NaN or infinite values."""
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def series(labels: Iterable[Any], *datasets: tuple[Any, Iterable[Any]]) -> dict[str, Any]:
    return {
        "labels": [str(label) for label in labels],
        "datasets": [
            {"label": str(name), "data": [plain(v) for v in values]} for name, values in datasets
        ],
    }


def rows_of(chart: dict[str, Any]) -> list[dict[str, Any]]:
    """The chart's numbers as table rows: one per label, one value per dataset."""
    return [
        {"label": label, "values": [d["data"][i] for d in chart["datasets"]]}
        for i, label in enumerate(chart["labels"])
    ]


def shade(value: float | None, top: float) -> str:
    """The heat-map class of a cell: ``heat-0`` (none) … ``heat-9`` (the top), or
    ``heat-none`` for an empty cell (a month the cohort has not reached)."""
    if value is None or not math.isfinite(value):
        return "heat-none"
    if top <= 0:
        return "heat-0"
    step = int(max(0.0, min(1.0, value / top)) * (SHADES - 1) + 0.5)
    return f"heat-{step}"


def heat_rows(labels: Sequence[Any], cells: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
    """Rows of a heat map: each cell's value with its shade, relative to the largest cell."""
    clean = [[plain(v) for v in row] for row in cells]
    top = max((v for row in clean for v in row if v is not None), default=0.0)
    return [
        {"label": label, "cells": [{"value": v, "shade": shade(v, top)} for v in row]}
        for label, row in zip(labels, clean, strict=False)
    ]


def matrix_rows(
    row_labels: Sequence[Any], column_labels: Sequence[Any], counts: Sequence[Sequence[int]]
) -> list[dict[str, Any]]:
    """A migration matrix's rows; a cell on the diagonal (same tier) is marked ``stay``."""
    return [
        {
            "label": label,
            "total": sum(row),
            "cells": [{"value": n, "stay": label == column_labels[j]} for j, n in enumerate(row)],
        }
        for label, row in zip(row_labels, counts, strict=False)
    ]


def only(chart: dict[str, Any], *indexes: int) -> dict[str, Any]:
    """The chart with some of its datasets (the others stay in its table)."""
    return {**chart, "datasets": [chart["datasets"][i] for i in indexes]}


def panel(
    panel_id: str,
    title: Any,
    kind: str,
    unit: str,
    chart: dict[str, Any],
    *,
    note: Any = "",
    table: dict[str, Any] | None = None,
    wide: bool = False,
    units: Sequence[str] | None = None,
) -> dict[str, Any]:
    """What the page's chart include needs: the canvas's data and kind, and the numbers as a
    table (``table`` when it holds more than the chart draws); ``units`` per table column."""
    shown = table or chart
    column_units = list(units or [unit] * len(shown["datasets"]))
    rows = [
        {
            "label": row["label"],
            "cells": [{"value": v, "unit": column_units[j]} for j, v in enumerate(row["values"])],
        }
        for row in rows_of(shown)
    ]
    return {
        "id": panel_id,
        "data_id": f"{panel_id}-data",
        "title": title,
        "kind": kind,
        "unit": unit,
        "chart": chart,
        "columns": [d["label"] for d in shown["datasets"]],
        "rows": rows,
        "empty": not chart["labels"],
        "note": note,
        "wide": wide,
    }
