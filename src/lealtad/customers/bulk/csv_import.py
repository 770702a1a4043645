"""Customer import from CSV: every row checked first, then the whole file or nothing.

A YAML mapping says which CSV column feeds which field of a canonical ``customer.upserted``
event (:mod:`.column_mapping`, ``docs/import-export.md``). Each row becomes one event whose id
is its idempotency key, so importing the same file twice changes nothing the second time. The
file is read twice: the first pass validates every row and collects every problem with its
CSV line number and column; only a file without problems is read again and ingested, in
batches of 1000 inside a single transaction, so it commits whole or not at all. Nothing is
held in memory but a batch.

A bad *optional* profile field (a birth date that is no date, a gender not in the value map,
an extra email that fails) is no problem of the row: the row is imported without it, the field
is set aside as a data-quality issue and listed among the report's warnings with its line and
column (docs/data-quality.md).
"""

from __future__ import annotations

import io
from contextlib import AbstractContextManager, nullcontext
from dataclasses import replace
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from rich.progress import Progress, TaskID

from lealtad.channels import services as channel_services
from lealtad.channels.services import known_channels
from lealtad.core.audit import Actor
from lealtad.core.set_aside import FieldIssue
from lealtad.customers.bulk.column_mapping import Mapping, MappingError, load_mapping
from lealtad.customers.bulk.csv_dialect import Opener, Unreadable, header_problems, read_table
from lealtad.customers.bulk.import_report import ImportReport
from lealtad.customers.bulk.row_checks import event_id_of, row_problems
from lealtad.customers.bulk.row_events import RowBuilder
from lealtad.customers.models import Customer

BATCH = 1000


def import_csv(
    path: Path,
    mapping_path: Path,
    dry_run: bool = False,
    progress: Progress | None = None,
    actor: Actor | None = None,
) -> ImportReport:
    """Import a CSV file with a YAML mapping file (the ``lealtad customers import`` command)."""
    report = ImportReport(source=path.name, dry_run=dry_run)
    try:
        mapping_text = mapping_path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        report.problem(f"{mapping_path.name}: cannot read the mapping: {exc}")
        return report
    if not path.is_file():
        report.problem(f"{path}: no such file")
        return report
    return _import(
        lambda: path.open("rb"),
        mapping_text,
        mapping_path.name,
        report,
        progress,
        actor or Actor(label=f"import {path.name}"),
    )


def import_data(
    data: bytes | str | IO[bytes],
    mapping: str,
    *,
    dry_run: bool = False,
    actor: Actor | None = None,
    source: str = "upload.csv",
    allowed_channels: frozenset[str] = frozenset(),
    progress: Progress | None = None,
) -> ImportReport:
    """Import CSV content (bytes, text or a seekable binary file) with the mapping's YAML text.

    The API uses this for uploads; ``allowed_channels`` (a token's channel scopes, empty for
    any) must include the mapping's channel.
    """
    report = ImportReport(source=source, dry_run=dry_run)
    opener: Opener
    if isinstance(data, str):
        raw = data.encode("utf-8")
        opener = lambda: io.BytesIO(raw)  # noqa: E731
    elif isinstance(data, bytes):
        opener = lambda: io.BytesIO(data)  # noqa: E731
    else:
        handle = data

        def opener() -> AbstractContextManager[IO[bytes]]:
            handle.seek(0)
            return nullcontext(handle)

    return _import(
        opener,
        mapping,
        "mapping",
        report,
        progress,
        actor or Actor(label=f"import {source}"),
        allowed_channels,
        text_input=isinstance(data, str),
    )


def _import(
    opener: Opener,
    mapping_text: str,
    mapping_name: str,
    report: ImportReport,
    progress: Progress | None,
    actor: Actor,
    allowed_channels: frozenset[str] = frozenset(),
    text_input: bool = False,
) -> ImportReport:
    try:
        mapping = load_mapping(mapping_text, mapping_name)
    except MappingError as exc:
        for problem in exc.problems:
            report.problem(problem)
        return report
    if text_input:  # already decoded: the mapping's encoding no longer applies
        mapping = replace(mapping, encoding="utf-8")
    channels = known_channels()
    if mapping.channel not in channels:
        report.problem(
            f"{mapping_name}: channel: unknown channel {mapping.channel!r}; use a built-in "
            "channel (pos, web, call_center, …) or register the system first"
        )
        return report
    if allowed_channels and mapping.channel not in allowed_channels:
        report.problem(f"{mapping_name}: channel: you may not send for {mapping.channel!r}")
        return report
    builder = RowBuilder(mapping, report.source, timezone.now())
    _check(opener, mapping, builder, report, progress, channels)
    if report.problems or report.dry_run:
        return report
    _write(opener, mapping, builder, report, progress, actor, channels)
    return report


def _check(
    opener: Opener,
    mapping: Mapping,
    builder: RowBuilder,
    report: ImportReport,
    progress: Progress | None,
    channels: set[str],
) -> None:
    task = progress.add_task(f"checking {report.source}", total=None) if progress else None
    ids: dict[str, int] = {}
    try:
        with read_table(opener, mapping, report) as table:
            if header_problems(table.header, mapping, report):
                return
            for line, cells in table.rows:
                report.rows += 1
                problems, warnings = row_problems(builder, line, table.header, cells, channels)
                for warning in warnings:
                    report.warning(warning)
                event_id = event_id_of(builder, table.header, cells)
                if mapping.id_column and event_id and not problems:
                    first = ids.setdefault(event_id, line)
                    if first != line:
                        problems.append(
                            f"line {line}, column {mapping.id_column!r} (id_column): the same id "
                            f"as line {first}"
                        )
                if problems:
                    report.bad_rows += 1
                    for problem in problems:
                        report.problem(problem)
                _advance(progress, task)
    except Unreadable as exc:
        report.problem(str(exc))
    finally:
        if progress is not None and task is not None:
            progress.update(task, total=report.rows, completed=report.rows)


class _Abort(Exception):
    """Roll the import back: something went wrong although the check pass found nothing."""


def _write(
    opener: Opener,
    mapping: Mapping,
    builder: RowBuilder,
    report: ImportReport,
    progress: Progress | None,
    actor: Actor,
    channels: set[str],
) -> None:
    task = progress.add_task(f"importing {report.source}", total=report.rows) if progress else None
    counts = {"created": 0, "updated": 0, "duplicate": 0}
    try:
        with transaction.atomic(), read_table(opener, mapping, report) as table:
            batch: list[tuple[int, dict[str, Any], list[FieldIssue]]] = []
            for line, cells in table.rows:
                row = builder.build(line, table.header, cells)
                if row.problems:
                    raise _Abort(row.problems[0])
                batch.append((line, row.event, row.set_aside))
                if len(batch) >= BATCH:
                    _ingest(batch, actor, counts)
                    _advance(progress, task, len(batch))
                    batch = []
            if batch:
                _ingest(batch, actor, counts)
                _advance(progress, task, len(batch))
            if report.problems:  # a row the reader could not parse this time
                raise _Abort(report.problems[0])
    except (_Abort, Unreadable) as exc:
        if not report.problems:
            report.problem(str(exc))
        return
    report.created, report.updated, report.duplicate = (
        counts["created"],
        counts["updated"],
        counts["duplicate"],
    )
    report.written = True


def _ingest(
    batch: list[tuple[int, dict[str, Any], list[FieldIssue]]],
    actor: Actor,
    counts: dict[str, int],
) -> None:
    newest = Customer.objects.aggregate(newest=Max("pk"))["newest"] or 0
    results = channel_services.ingest(
        [event for _, event, _ in batch], actor, set_aside_before=[s for _, _, s in batch]
    )
    new_customers: set[int] = set()
    for (line, _, _), result in zip(batch, results, strict=True):
        if result.status == channel_services.REJECTED:
            first = result.errors[0] if result.errors else {"field": "(event)", "message": "?"}
            raise _Abort(f"line {line}, field {first['field']}: {first['message']}")
        if result.status == channel_services.DUPLICATE:
            counts["duplicate"] += 1
        elif result.customer_id is not None and result.customer_id > newest:
            if result.customer_id in new_customers:
                counts["updated"] += 1
            new_customers.add(result.customer_id)
        else:
            counts["updated"] += 1
    counts["created"] += len(new_customers)


def _advance(progress: Progress | None, task: TaskID | None, steps: int = 1) -> None:
    if progress is not None and task is not None:
        progress.advance(task, steps)
