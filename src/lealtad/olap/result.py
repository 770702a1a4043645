"""A cube's answer: one record per member combination, and the same laid out as a pivot
(row dimensions down, column dimensions across) for tables, CSV and Excel."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from lealtad.olap.query import CubeQuery
from lealtad.olap.schema import MEASURES

Key = tuple[str, ...]


def _label(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _number(value: Any, money: bool) -> float | int | None:
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return None
        return round(value, 2) if money else value
    return int(value)


@dataclass
class CubeResult:
    dimensions: tuple[str, ...]  # labels: "channel", "date:month"
    row_dimensions: int  # the first n dimensions run down, the rest across
    measures: tuple[str, ...]
    records: list[tuple[Key, tuple[float | int | None, ...]]] = field(default_factory=list)
    elapsed_ms: float = 0.0

    def as_dicts(self) -> list[dict[str, Any]]:
        out = []
        for key, values in self.records:
            row: dict[str, Any] = dict(zip(self.dimensions, key, strict=True))
            row.update(zip(self.measures, values, strict=True))
            out.append(row)
        return out

    def totals(self) -> dict[str, float | int | None]:
        """Sums of the additive measures over the records (distinct counts are not)."""
        additive = {"revenue", "margin", "units", "returns", "returned_units", "contacts"}
        sums: dict[str, float | int | None] = {}
        for index, name in enumerate(self.measures):
            if name in additive:
                sums[name] = sum((v[index] or 0) for _, v in self.records)
        return sums

    def pivot(self) -> tuple[list[str], list[Key], list[list[Any]]]:
        """(header, column keys, rows): each row is the row key's labels then, per column key,
        every measure's value. With no column dimension, the records as they are."""
        n = self.row_dimensions
        row_dims, col_dims = self.dimensions[:n], self.dimensions[n:]
        if not col_dims:
            header = [*row_dims, *self.measures]
            return header, [()], [[*k, *v] for k, v in self.records]
        columns = sorted({key[n:] for key, _ in self.records})
        cells: dict[Key, dict[Key, tuple]] = {}
        for key, values in self.records:
            cells.setdefault(key[:n], {})[key[n:]] = values
        header = list(row_dims)
        for column in columns:
            for measure in self.measures:
                header.append(" / ".join([*column, measure]))
        rows = []
        for row_key in sorted(cells):
            line: list[Any] = list(row_key)
            for column in columns:
                values = cells[row_key].get(column, (None,) * len(self.measures))
                line.extend(values)
            rows.append(line)
        return header, columns, rows

    def to_json(self) -> dict[str, Any]:
        header, columns, rows = self.pivot()
        return {
            "dimensions": list(self.dimensions),
            "rows_dimensions": list(self.dimensions[: self.row_dimensions]),
            "column_dimensions": list(self.dimensions[self.row_dimensions :]),
            "measures": list(self.measures),
            "records": self.as_dicts(),
            "pivot": {"header": header, "columns": [list(c) for c in columns], "rows": rows},
            "elapsed_ms": round(self.elapsed_ms, 2),
        }


def merge(query: CubeQuery, parts: Sequence[tuple[Sequence[str], Sequence[tuple]]]) -> CubeResult:
    """Join each fact's aggregates member by member (drill across): a member one fact lacks
    gets no value there."""
    width = len(query.dimensions)
    slot = {m: i for i, m in enumerate(query.measures)}
    table: dict[Key, list[Any]] = {}
    for measures, rows in parts:
        for row in rows:
            key = tuple(_label(v) for v in row[:width])
            values = table.setdefault(key, [None] * len(query.measures))
            for name, value in zip(measures, row[width:], strict=True):
                values[slot[name]] = _number(value, MEASURES[name].money)
    records = [(key, tuple(table[key])) for key in sorted(table)]
    return CubeResult(
        tuple(d.label for d in query.dimensions),
        len(query.rows),
        tuple(query.measures),
        records,
    )
