"""Reading a CSV file a person saved from a spreadsheet, for every bulk import (leads, cases).

One reader, so every import accepts the same files: UTF-8 with or without a BOM, commas or
semicolons (a spreadsheet in Spanish saves semicolons), column names case- and space-blind.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import IO

from django.utils.translation import gettext as _


@dataclass
class Problem:
    line: int  # the file's line (the header is line 1)
    column: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}, {self.column}: {self.message}"


class UnreadableFile(ValueError):
    """Not a CSV file in UTF-8: nothing of it can be read, so nothing is imported."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def read_csv(stream: IO[bytes] | bytes) -> list[dict[str, str]]:
    """The file's rows by column name."""
    raw = stream if isinstance(stream, bytes) else stream.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise UnreadableFile(
            Problem(line, "file", _("Not UTF-8 text: save it as CSV UTF-8."))
        ) from None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;") if text.strip() else csv.excel
    except csv.Error:
        dialect = csv.excel  # one column, or no delimiter found: read as commas
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    return [
        {(k or "").strip().lower(): (v or "").strip() for k, v in row.items() if k is not None}
        for row in reader
    ]
