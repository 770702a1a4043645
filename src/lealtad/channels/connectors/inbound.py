"""Inbound records → canonical events → :func:`lealtad.channels.services.ingest`.

Files dropped in a stream's folder are read in name order, in batches. Each batch commits in
one transaction with its rejects and the file's progress, so a crash mid-file resumes after
the last committed batch (and event ids make a re-applied record a harmless duplicate). A bad
record is rejected with its line and external field and kept in :class:`Reject` for replay;
the rest of the file goes on, and a rejected record writes nothing. Finished files move to
``done/``; a file that cannot be read at all (no such column, bad encoding) moves to
``failed/`` with one reject saying why, and replaying that reject puts it back.

Webhook posts are the same path without files: one batch, one result per record.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from lealtad.channels import services
from lealtad.channels.connectors import registry
from lealtad.channels.connectors.mapping import InboundMapper, Mapped
from lealtad.channels.connectors.owned_events import NOT_ABOUT_CUSTOMER
from lealtad.channels.connectors.spec import Connector, Inbound
from lealtad.channels.models import FileProgress, Reject
from lealtad.core.audit import Actor

log = logging.getLogger(__name__)
SKIPPED_SUFFIXES = (".tmp", ".part", ".partial", ".swp")
FILE_REJECT = "__file__"
BROKEN_LINE = "__line__"


def actor(connector: Connector) -> Actor:
    return Actor(label=f"connector {connector.name}", channel=connector.system)


def mapper(connector: Connector, stream: Inbound) -> InboundMapper:
    return InboundMapper(
        connector,
        stream,
        timezone.get_default_timezone(),
        about_customer=stream.event_type not in NOT_ABOUT_CUSTOMER,
    )


@dataclass
class Outcome:
    """One record's fate: ``created``, ``duplicate`` or ``rejected`` with its errors."""

    line: int
    status: str
    event_id: str | None = None
    customer_id: int | None = None
    errors: list[dict[str, str]] = field(default_factory=list)


@dataclass
class FileReport:
    connector: str
    stream: str
    file: str
    records: int = 0
    created: int = 0
    duplicate: int = 0
    rejected: int = 0
    resumed_at: int = 0
    failed: str = ""

    def summary(self) -> str:
        state = f"failed: {self.failed}" if self.failed else "done"
        resumed = f", resumed after record {self.resumed_at}" if self.resumed_at else ""
        return (
            f"{self.connector}/{self.stream} {self.file}: {self.records} records{resumed}: "
            f"{self.created} created, {self.duplicate} duplicate, {self.rejected} rejected "
            f"({state})"
        )


# Applying a batch ------------------------------------------------------------------------------


def apply_records(
    connector: Connector,
    stream: Inbound,
    items: list[tuple[int, dict[str, Any]]],
    received_at: datetime,
) -> list[Outcome]:
    """Map and ingest ``(line, record)`` pairs; runs in the caller's transaction."""
    to_map = mapper_for(connector, stream)
    return _ingest(connector, [(line, _map(to_map, record, received_at)) for line, record in items])


def _map(to_map: InboundMapper, record: dict[str, Any], received_at: datetime) -> Mapped:
    if BROKEN_LINE in record:
        return Mapped(None, [{"field": "(line)", "message": str(record.get("error", ""))}])
    return to_map.map(record, received_at)


_MAPPERS: dict[tuple[int, str], InboundMapper] = {}


def mapper_for(connector: Connector, stream: Inbound) -> InboundMapper:
    key = (id(connector), stream.name)
    found = _MAPPERS.get(key)
    if found is None or found.connector is not connector:
        found = _MAPPERS[key] = mapper(connector, stream)
    return found


def _ingest(connector: Connector, mapped: list[tuple[int, Mapped]]) -> list[Outcome]:
    outcomes: list[Outcome | None] = [None] * len(mapped)
    events: list[tuple[int, Mapped]] = []
    for i, (line, m) in enumerate(mapped):
        if m.event is None:
            outcomes[i] = Outcome(line, services.REJECTED, errors=m.problems)
        else:
            events.append((i, m))
    if events:
        services.register_system(connector.system, connector.description)
        results = services.ingest([m.event for _, m in events], actor(connector))
        for (i, m), result in zip(events, results, strict=True):
            errors = [
                {"field": m.locate(e["field"]), "message": e["message"]} for e in result.errors
            ]
            outcomes[i] = Outcome(
                mapped[i][0], result.status, result.id, result.customer_id, errors
            )
    return [o for o in outcomes if o is not None]


def _reject_rows(
    connector: Connector, stream: Inbound, source: str, items: list, outcomes: list[Outcome]
) -> list[Reject]:
    rows = []
    for (line, record), outcome in zip(items, outcomes, strict=True):
        if outcome.status != services.REJECTED:
            continue
        first = outcome.errors[0] if outcome.errors else {"field": "", "message": "rejected"}
        rows.append(
            Reject(
                connector=connector.name,
                stream=stream.name,
                source=source[:300],
                line=line,
                field=first["field"][:200],
                message=first["message"],
                errors=outcome.errors,
                record=record,
                event_id=(outcome.event_id or "")[:120],
            )
        )
    return rows


# Files -------------------------------------------------------------------------------------------


class _Unreadable(Exception):
    def __init__(self, line: int, field: str, message: str) -> None:
        super().__init__(message)
        self.line, self.field, self.message = line, field, message


def fingerprint(path: Path) -> str:
    digest = hashlib.sha256(str(path.stat().st_size).encode())
    with open(path, "rb") as handle:
        digest.update(handle.read(1 << 20))
    return digest.hexdigest()


def pending_files(connector: Connector, stream: Inbound) -> list[Path]:
    where = registry.folder(connector, stream.folder)
    if not where.is_dir():
        return []
    return sorted(
        p
        for p in where.glob(stream.pattern)
        if p.is_file() and not p.name.startswith(".") and not p.name.endswith(SKIPPED_SUFFIXES)
    )


def run(connector: Connector, stream_name: str | None = None) -> list[FileReport]:
    """Process every file waiting in the connector's file streams, once."""
    reports = []
    for stream in connector.inbound:
        if stream.kind != "file" or (stream_name and stream.name != stream_name):
            continue
        for path in pending_files(connector, stream):
            reports.append(process_file(connector, stream, path))
    return reports


def process_file(connector: Connector, stream: Inbound, path: Path) -> FileReport:
    report = FileReport(connector.name, stream.name, path.name)
    progress, _ = FileProgress.objects.get_or_create(
        connector=connector.name,
        stream=stream.name,
        file_name=path.name,
        fingerprint=fingerprint(path),
    )
    report.resumed_at = progress.records_done
    received_at = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    try:
        if progress.status != FileProgress.Status.DONE:
            _apply_file(connector, stream, path, progress, received_at, report)
    except _Unreadable as exc:
        report.failed = exc.message
        _fail(connector, stream, path, exc)
        return report
    _move(path, "done")
    return report


def _apply_file(
    connector: Connector,
    stream: Inbound,
    path: Path,
    progress: FileProgress,
    received_at: datetime,
    report: FileReport,
) -> None:
    skip = progress.records_done
    batch: list[tuple[int, dict[str, Any]]] = []
    for n, item in enumerate(_records(stream, path), start=1):
        if n <= skip:
            continue
        batch.append(item)
        if len(batch) >= stream.batch:
            _commit(connector, stream, path, progress, batch, received_at, report)
            batch = []
    _commit(connector, stream, path, progress, batch, received_at, report, last=True)


def _commit(
    connector: Connector,
    stream: Inbound,
    path: Path,
    progress: FileProgress,
    batch: list[tuple[int, dict[str, Any]]],
    received_at: datetime,
    report: FileReport,
    last: bool = False,
) -> None:
    with transaction.atomic():
        outcomes = apply_records(connector, stream, batch, received_at)
        Reject.objects.bulk_create(_reject_rows(connector, stream, path.name, batch, outcomes))
        counts = {s: sum(o.status == s for o in outcomes) for s in _STATUSES}
        FileProgress.objects.filter(pk=progress.pk).update(
            records_done=F("records_done") + len(batch),
            created=F("created") + counts[services.CREATED],
            duplicate=F("duplicate") + counts[services.DUPLICATE],
            rejected=F("rejected") + counts[services.REJECTED],
            status=FileProgress.Status.DONE if last else FileProgress.Status.RUNNING,
            updated_at=timezone.now(),
        )
    report.records += len(batch)
    report.created += counts[services.CREATED]
    report.duplicate += counts[services.DUPLICATE]
    report.rejected += counts[services.REJECTED]


_STATUSES = (services.CREATED, services.DUPLICATE, services.REJECTED)


def _records(stream: Inbound, path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line, record)`` for each record; a record that cannot be parsed on its own is
    yielded as ``{BROKEN_LINE: …}`` so it is rejected with its line like any other."""
    try:
        with open(path, encoding=stream.encoding, newline="") as handle:
            if stream.format == "jsonl":
                yield from _jsonl(handle)
            else:
                yield from _csv(stream, handle)
    except UnicodeDecodeError as exc:
        raise _Unreadable(0, "(file)", f"not valid {stream.encoding}: {exc}") from exc


def _jsonl(handle: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    for line, text in enumerate(handle, start=1):
        if not text.strip():
            continue
        try:
            record = json.loads(text)
        except json.JSONDecodeError as exc:
            yield line, {BROKEN_LINE: text[:2000], "error": f"not valid JSON: {exc.msg}"}
            continue
        if not isinstance(record, dict):
            yield line, {BROKEN_LINE: text[:2000], "error": "each line must be a JSON object"}
            continue
        yield line, record


def _csv(stream: Inbound, handle: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    reader = csv.reader(handle, delimiter=stream.delimiter)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        return
    needed = {r.source for r in stream.rules if r.required} | set(stream.id_from)
    missing = sorted(needed - set(header))
    if missing:
        raise _Unreadable(1, missing[0], f"the file has no column {', '.join(missing)}")
    start = reader.line_num + 1
    for cells in reader:
        line, start = start, reader.line_num + 1
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            yield (
                line,
                {
                    BROKEN_LINE: stream.delimiter.join(cells)[:2000],
                    "error": f"has {len(cells)} cells where the header has {len(header)}",
                },
            )
            continue
        yield line, dict(zip(header, cells, strict=True))


def _move(path: Path, where: str) -> Path:
    target_dir = path.parent / where
    target_dir.mkdir(exist_ok=True)
    target = target_dir / path.name
    if target.exists():
        stamp = timezone.now().strftime("%Y%m%dT%H%M%S%f")
        target = target_dir / f"{path.stem}.{stamp}{path.suffix}"
    shutil.move(str(path), str(target))
    return target


def _fail(connector: Connector, stream: Inbound, path: Path, exc: _Unreadable) -> None:
    moved = _move(path, "failed")
    Reject.objects.create(
        connector=connector.name,
        stream=stream.name,
        source=path.name,
        line=exc.line or None,
        field=exc.field,
        message=f"{exc.message}; the file was moved to failed/ and nothing of it was applied"
        if exc.line <= 1
        else exc.message,
        record={FILE_REJECT: str(moved)},
    )
    # A file that fails to decode mid-way keeps what committed before; its progress stays.
    log.warning("connector %s: %s moved to failed/: %s", connector.name, path.name, exc)


# Webhooks ----------------------------------------------------------------------------------------


def route(connector: Connector, record: dict[str, Any]) -> Inbound | None:
    """The webhook stream whose ``match`` fits the record (the only one, if it has none)."""
    streams = [s for s in connector.inbound if s.kind == "webhook"]
    for stream in streams:
        if all(str(record.get(k, "")) == v for k, v in stream.match):
            return stream
    return None


def receive(connector: Connector, records: list[Any]) -> list[Outcome]:
    """Apply posted records in one transaction with their rejects; one outcome each."""
    received_at = timezone.now()
    outcomes: dict[int, Outcome] = {}
    routed: list[tuple[int, dict[str, Any], Inbound, Mapped]] = []
    with transaction.atomic():
        for index, record in enumerate(records, start=1):
            stream = route(connector, record) if isinstance(record, dict) else None
            if stream is None:
                message = (
                    "no inbound stream of this connector matches the record"
                    if isinstance(record, dict)
                    else "not a JSON object"
                )
                outcomes[index] = _lone_reject(connector, index, record, message)
                continue
            mapped = mapper_for(connector, stream).map(record, received_at)
            routed.append((index, record, stream, mapped))
        applied = _ingest(connector, [(index, m) for index, _, _, m in routed])
        rejects = []
        for (index, record, stream, _), outcome in zip(routed, applied, strict=True):
            outcomes[index] = outcome
            rejects += _reject_rows(connector, stream, "webhook", [(index, record)], [outcome])
        Reject.objects.bulk_create(rejects)
    return [outcomes[i] for i in sorted(outcomes)]


def _lone_reject(connector: Connector, index: int, record: Any, message: str) -> Outcome:
    Reject.objects.create(
        connector=connector.name,
        stream="",
        source="webhook",
        line=index,
        field="(record)",
        message=message,
        record=record if isinstance(record, dict) else {"value": record},
    )
    return Outcome(index, services.REJECTED, errors=[{"field": "(record)", "message": message}])


# Replay ------------------------------------------------------------------------------------------


@dataclass
class ReplayReport:
    resolved: int = 0
    still_rejected: int = 0
    files_requeued: int = 0


def replay_rejects(connector: Connector, ids: list[int] | None = None) -> ReplayReport:
    """Try open rejects again with the connector's current mapping."""
    report = ReplayReport()
    rows = Reject.objects.filter(connector=connector.name, status=Reject.Status.OPEN)
    if ids:
        rows = rows.filter(pk__in=ids)
    for reject in rows.order_by("id").iterator():
        if FILE_REJECT in reject.record:
            _requeue(connector, reject, report)
            continue
        if BROKEN_LINE in reject.record:  # not a record: fix the file and drop it again
            report.still_rejected += 1
            continue
        stream = connector.stream(reject.stream) or route(connector, reject.record)
        if stream is None:
            report.still_rejected += 1
            continue
        with transaction.atomic():
            item = [(reject.line or 0, reject.record)]
            outcome = apply_records(connector, stream, item, reject.created_at)[0]
            if outcome.status == services.REJECTED:
                first = outcome.errors[0] if outcome.errors else {"field": "", "message": "?"}
                Reject.objects.filter(pk=reject.pk).update(
                    field=first["field"][:200], message=first["message"], errors=outcome.errors
                )
                report.still_rejected += 1
            else:
                Reject.objects.filter(pk=reject.pk).update(
                    status=Reject.Status.RESOLVED,
                    resolved_at=timezone.now(),
                    event_id=(outcome.event_id or "")[:120],
                )
                report.resolved += 1
    return report


def _requeue(connector: Connector, reject: Reject, report: ReplayReport) -> None:
    """A whole file (or a line that was not a record) cannot be re-mapped alone: a failed
    file goes back to its folder for the next run; a broken line stays rejected."""
    moved = Path(str(reject.record.get(FILE_REJECT, "")))
    if moved.parent.name == "failed" and moved.is_file():
        os.replace(moved, moved.parent.parent / moved.name)
        Reject.objects.filter(pk=reject.pk).update(
            status=Reject.Status.RESOLVED, resolved_at=timezone.now()
        )
        report.files_requeued += 1
    else:
        report.still_rejected += 1
