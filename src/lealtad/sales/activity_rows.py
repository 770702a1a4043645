"""Activities written as rows (a CSV file's, a JSON list's, a command's options) read into the
activities service's input: each value checked here for its form (a date, a number, yes/no),
every problem named by its row and column, so a file with bad rows logs nothing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone

from lealtad.sales.services.activities import NewActivity

COLUMNS = (
    "kind",
    "subject",
    "notes",
    "starts_at",
    "ends_at",
    "due",
    "done",
    "lead_id",
    "opportunity_id",
    "customer_id",
    "time_category",
    "key",
)
MOMENTS = ("starts_at", "ends_at", "due")
IDS = ("lead_id", "opportunity_id", "customer_id")
YES = {"1", "true", "yes", "si", "sí", "x"}
NO = {"", "0", "false", "no"}


@dataclass(frozen=True)
class RowProblem:
    row: int  # the row's place in the file, from 0
    column: str
    message: str


def moment(text: str) -> datetime:
    """ISO 8601; without an offset, the business's local time."""
    value = datetime.fromisoformat(text.strip())
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.get_current_timezone())
    return value


def _value(name: str, raw: Any) -> Any:
    text = "" if raw is None else str(raw).strip()
    if name in MOMENTS:
        return moment(text) if text else None
    if name in IDS:
        if not text:
            return None
        number = int(text)
        if number < 1:
            raise ValueError("an id is 1 or more")
        return number
    if name == "done":
        if text.lower() not in YES | NO:
            raise ValueError("yes or no")
        return text.lower() in YES
    return text


def problems_of(problems: list[RowProblem], row: int) -> set[str]:
    return {p.column for p in problems if p.row == row}


def read_rows(
    rows: Sequence[Mapping[str, Any]], owner_id: int | None = None
) -> tuple[list[NewActivity], list[RowProblem]]:
    """The activities, or every problem found (unknown columns, values of the wrong form)."""
    made: list[NewActivity] = []
    problems: list[RowProblem] = []
    for i, row in enumerate(rows):
        values: dict[str, Any] = {}
        for name, raw in row.items():
            if name not in COLUMNS:
                problems.append(
                    RowProblem(i, str(name), f"unknown column (known: {', '.join(COLUMNS)})")
                )
                continue
            try:
                values[name] = _value(name, raw)
            except (TypeError, ValueError) as exc:
                problems.append(RowProblem(i, name, str(exc)))
        for name in ("kind", "subject"):
            if name not in problems_of(problems, i) and not values.get(name):
                problems.append(RowProblem(i, name, "required"))
        if not problems:
            made.append(NewActivity(**values, owner_id=owner_id))
    return made, problems
