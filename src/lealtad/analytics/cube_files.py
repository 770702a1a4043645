"""A cube answer as a CSV or an Excel file: the pivot as the page shows it, every text cell
defused as the customer export does (a cell that starts like a formula gets an apostrophe),
numbers left as numbers."""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import Workbook

from lealtad.customers.selectors.facts import safe_cell
from lealtad.olap.result import CubeResult


def _cell(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return safe_cell(value)


def to_csv(result: CubeResult) -> str:
    header, _, rows = result.pivot()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow(["" if v is None else _cell(v) for v in row])
    return out.getvalue()


def to_xlsx(result: CubeResult, title: str = "cube") -> bytes:
    header, _, rows = result.pivot()
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.append([safe_cell(h) for h in header])
    for row in rows:
        sheet.append([_cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
