"""Reading an import's CSV: the encoding and delimiter (guessed from the header when the
mapping names none, as Spanish Excel writes ';'), the header checked against the mapping,
and rows with their line numbers; a row the reader cannot parse is a problem of its line."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from itertools import chain
from typing import IO

from lealtad.customers.bulk.column_mapping import Mapping
from lealtad.customers.bulk.import_report import ImportReport

Opener = Callable[[], AbstractContextManager[IO[bytes]]]


@dataclass
class Table:
    header: list[str]
    rows: Iterator[tuple[int, list[str]]]


class Unreadable(Exception):
    """The file cannot be read as CSV at all (encoding, header)."""


@contextmanager
def read_table(opener: Opener, mapping: Mapping, report: ImportReport) -> Iterator[Table]:
    with opener() as raw:
        text = io.TextIOWrapper(raw, encoding=mapping.encoding, newline="")
        try:
            yield _read(text, mapping, report)
        finally:
            text.detach()  # the opener owns the binary handle


def _read(text: IO[str], mapping: Mapping, report: ImportReport) -> Table:
    try:
        first = text.readline()
    except UnicodeDecodeError as exc:
        raise Unreadable(_decode_message(1, mapping, exc)) from exc
    if not first.strip():
        raise Unreadable("line 1: the file is empty or has no header row")
    delimiter = mapping.delimiter or _guess_delimiter(first)
    reader = csv.reader(chain([first], text), delimiter=delimiter)
    try:
        header = [h.strip().removeprefix("\ufeff").strip() for h in next(reader)]
    except (csv.Error, UnicodeDecodeError) as exc:
        raise Unreadable(f"line 1: cannot read the header: {exc}") from exc

    def rows() -> Iterator[tuple[int, list[str]]]:
        while True:
            start = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError as exc:
                raise Unreadable(_decode_message(start, mapping, exc)) from exc
            except csv.Error as exc:
                report.bad_rows += 1
                report.problem(f"line {start}: cannot read this CSV row: {exc}")
                continue
            if any(c.strip() for c in cells):
                yield start, cells

    return Table(header, rows())


def _decode_message(line: int, mapping: Mapping, exc: UnicodeDecodeError) -> str:
    return (
        f"line {line} or after: the file is not valid {mapping.encoding} text ({exc.reason}); "
        "save it as UTF-8, or set e.g. `encoding: cp1252` in the mapping for an Excel/Windows file"
    )


def _guess_delimiter(first_line: str) -> str:
    """The most frequent of , ; tab | in the header line (Spanish Excel writes ';')."""
    counts = {d: first_line.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def header_problems(header: list[str], mapping: Mapping, report: ImportReport) -> bool:
    before = len(report.problems)
    seen: set[str] = set()
    for name in header:
        if name in seen:
            report.problem(f"line 1, column {name!r}: appears twice in the header")
        seen.add(name)
    for name in sorted(mapping.used_columns - set(header)):
        report.problem(
            f"line 1, column {name!r}: the mapping uses this column but the CSV header lacks it "
            f"(the header has: {', '.join(repr(h) for h in header)})"
        )
    if mapping.other_columns == "error":
        for name in header:
            if name and name not in mapping.used_columns:
                report.problem(
                    f"line 1, column {name!r}: not in the mapping; map it, map it to "
                    "'ignore', or set `other_columns: ignore`"
                )
    return len(report.problems) > before or report.more_problems > 0
