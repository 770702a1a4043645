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
import gc
import hashlib
import json
import logging
import os
import queue
import shutil
import threading
from collections import Counter
from collections.abc import Callable, Generator, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from lealtad.channels import services
from lealtad.channels.connectors import folders, registry, signing, state_reports
from lealtad.channels.connectors.mapping import InboundMapper, Mapped
from lealtad.channels.connectors.owned_events import NOT_ABOUT_CUSTOMER
from lealtad.channels.connectors.spec import Connector, Inbound
from lealtad.channels.models import FileProgress, Reject, WebhookReceipt
from lealtad.core import envelope
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
        optional=_set_aside_fields(stream.event_type),
    )


def _set_aside_fields(event_type: str) -> frozenset[str]:
    """The payload fields of this event type a bad value of which is set aside, not refused."""
    kind = envelope.event_type(event_type)
    return getattr(kind.payload_model, "SET_ASIDE", frozenset()) if kind else frozenset()


@dataclass(slots=True)
class Outcome:
    """One record's fate: ``created``, ``duplicate`` or ``rejected`` with its errors."""

    line: int
    status: str
    event_id: str | None = None
    customer_id: int | None = None
    errors: list[dict[str, str]] = field(default_factory=list)
    changed: bool = False  # state reports: whether the record changed what it reports on


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
    changed: int | None = None  # state reports (stock levels): how many changed a level
    expected: int = 0  # records in the file, estimated from its lines (for a progress bar)

    def summary(self) -> str:
        state = f"failed: {self.failed}" if self.failed else "done"
        resumed = f", resumed after record {self.resumed_at}" if self.resumed_at else ""
        changed = f" ({self.changed} changed a level)" if self.changed is not None else ""
        return (
            f"{self.connector}/{self.stream} {self.file}: {self.records} records{resumed}: "
            f"{self.created} created{changed}, {self.duplicate} duplicate, "
            f"{self.rejected} rejected ({state})"
        )


OnProgress = Callable[[FileReport], None]


# Applying a batch ------------------------------------------------------------------------------


def apply_records(
    connector: Connector,
    stream: Inbound,
    items: list[tuple[int, dict[str, Any]]],
    received_at: datetime,
    source: str = "",
    prepared: Prepared | None = None,
) -> list[Outcome]:
    """Map and ingest ``(line, record)`` pairs; runs in the caller's transaction. Streams of
    state reports (stock levels) take the set-based path of :mod:`.state_reports`, whose
    first half (``prepared``) a file's reader may already have done."""
    if is_state_report(connector, stream):
        if prepared is None:
            prepared = prepare_reports(connector, stream, items, received_at)
        return _apply_reports(connector, stream, items, prepared, source)
    to_map = mapper_for(connector, stream)
    return _ingest(connector, [(line, _map(to_map, record, received_at)) for line, record in items])


def is_state_report(connector: Connector, stream: Inbound) -> bool:
    return stream.event_type == state_reports.STOCK_LEVEL and mapper_for(connector, stream).flat()


@dataclass
class Prepared:
    """A batch of state reports mapped and validated, before the database is touched."""

    outcomes: list[Outcome | None]  # the rejected so far; None where a report goes on
    reports: list[state_reports.Report]
    where: dict[int, Mapped]  # by position: how to name the external field of an error


def prepare_reports(
    connector: Connector,
    stream: Inbound,
    items: list[tuple[int, dict[str, Any]]],
    received_at: datetime,
) -> Prepared:
    """Map each record (lean path) and validate the batch's payloads in one call. Plain
    Python, no database: a file's reader thread prepares the next batch meanwhile."""
    to_map = mapper_for(connector, stream)
    outcomes: list[Outcome | None] = [None] * len(items)
    mapped: list[tuple[int, Mapped]] = []
    for i, (line, record) in enumerate(items):
        m = _map(to_map, record, received_at, lean=True)
        if m.event is None:
            outcomes[i] = Outcome(line, services.REJECTED, errors=m.problems)
        else:
            mapped.append((i, m))
    valid, invalid = state_reports.validate([m.event["payload"] for _, m in mapped])  # type: ignore[index]
    moments: dict[str, datetime | None] = {}
    reports = []
    for n, ((i, m), payload) in enumerate(zip(mapped, valid, strict=True)):
        problems = invalid.get(n, [])
        occurred_at = _moment(m.event["occurred_at"], moments)  # type: ignore[index]
        if occurred_at is None:
            problems.append({"field": "occurred_at", "message": "is not a date and time"})
        if problems or payload is None or occurred_at is None:
            errors = [{"field": m.locate(p["field"]), "message": p["message"]} for p in problems]
            outcomes[i] = Outcome(items[i][0], services.REJECTED, errors=errors)
            continue
        reports.append(state_reports.Report(i, payload, occurred_at))
    return Prepared(outcomes, reports, dict(mapped))


def _apply_reports(
    connector: Connector,
    stream: Inbound,
    items: list[tuple[int, dict[str, Any]]],
    prepared: Prepared,
    source: str,
) -> list[Outcome]:
    """Hand the prepared reports to :func:`.state_reports.apply`; one outcome per record."""
    outcomes = list(prepared.outcomes)
    if prepared.reports:
        services.register_system(connector.system, connector.description)
        lines = f"{items[0][0]}-{items[-1][0]}"
        key = f"{connector.name}:{stream.name}:{source}:{lines}"
        reports = prepared.reports
        verdicts = state_reports.apply(connector.system, reports, key, actor(connector))
        for report in reports:
            verdict = verdicts[report.position]
            outcome = Outcome(items[report.position][0], verdict.status, changed=verdict.changed)
            for e in verdict.errors:
                field_ = prepared.where[report.position].locate(e["field"])
                outcome.errors.append({"field": field_, "message": e["message"]})
            outcomes[report.position] = outcome
    return [o for o in outcomes if o is not None]


def _moment(text: Any, seen: dict[str, datetime | None]) -> datetime | None:
    """An aware datetime from the mapper's ISO text (a file repeats a few)."""
    if not isinstance(text, str):
        return None
    if text not in seen:
        try:
            moment: datetime | None = datetime.fromisoformat(text)
        except ValueError:
            moment = None
        seen[text] = moment if moment is not None and moment.tzinfo is not None else None
    return seen[text]


def _map(
    to_map: InboundMapper, record: dict[str, Any], received_at: datetime, lean: bool = False
) -> Mapped:
    if BROKEN_LINE in record:
        return Mapped(None, [{"field": "(line)", "message": str(record.get("error", ""))}])
    return to_map.fields(record, received_at) if lean else to_map.map(record, received_at)


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
        results = services.ingest(
            [m.event for _, m in events],
            actor(connector),
            set_aside_before=[m.set_aside for _, m in events],
        )
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
    """The files waiting in the stream's folder, in name order. The folder is checked again
    (:class:`~.folders.FolderRefused`); a file that is a link leading out of it is skipped."""
    where = registry.folder(connector, stream.folder)
    if not where.is_dir():
        return []
    found = []
    for p in where.glob(stream.pattern):
        if p.name.startswith(".") or p.name.endswith(SKIPPED_SUFFIXES) or not p.is_file():
            continue
        if not folders.inside(p, where):
            log.warning("connector %s: %s leads out of its folder; skipped", connector.name, p)
            continue
        found.append(p)
    return sorted(found)


def run(
    connector: Connector, stream_name: str | None = None, on_progress: OnProgress | None = None
) -> list[FileReport]:
    """Process every file waiting in the connector's file streams, once. ``on_progress`` is
    told of each file as it starts and after each committed batch."""
    reports = []
    for stream in connector.inbound:
        if stream.kind != "file" or (stream_name and stream.name != stream_name):
            continue
        try:
            waiting = pending_files(connector, stream)
        except folders.FolderRefused as exc:
            log.warning("connector %s, stream %s: %s", connector.name, stream.name, exc)
            reports.append(FileReport(connector.name, stream.name, "", failed=f"folder {exc}"))
            continue
        for path in waiting:
            reports.append(process_file(connector, stream, path, on_progress))
    return reports


def process_file(
    connector: Connector, stream: Inbound, path: Path, on_progress: OnProgress | None = None
) -> FileReport:
    report = FileReport(connector.name, stream.name, path.name)
    if is_state_report(connector, stream):
        report.changed = 0
    if on_progress is not None:
        report.expected = _count_records(stream, path)
        on_progress(report)
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
            _apply_file(connector, stream, path, progress, received_at, report, on_progress)
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
    on_progress: OnProgress | None = None,
) -> None:
    batches: Generator[tuple[Batch, Prepared | None]] = (
        (batch, None) for batch in _batches(stream, path, progress.records_done)
    )
    if is_state_report(connector, stream):
        batches = _read_ahead(
            _batches(stream, path, progress.records_done),
            lambda batch: prepare_reports(connector, stream, batch, received_at),
        )
    with _collector_between_batches(), closing(batches):
        for batch, prepared in batches:
            _commit(connector, stream, path, progress, batch, received_at, report, prepared)
            gc.collect(1)
            if on_progress is not None:
                on_progress(report)
        _commit(connector, stream, path, progress, [], received_at, report, last=True)


Batch = list[tuple[int, dict[str, Any]]]


def _batches(stream: Inbound, path: Path, skip: int) -> Iterator[Batch]:
    """The file's records after the first ``skip``, ``stream.batch`` at a time."""
    batch: Batch = []
    for n, item in enumerate(_records(stream, path), start=1):
        if n <= skip:
            continue
        batch.append(item)
        if len(batch) >= stream.batch:
            yield batch
            batch = []
    if batch:
        yield batch


def _read_ahead(
    batches: Iterator[Batch], prepare: Callable[[Batch], Prepared]
) -> Generator[tuple[Batch, Prepared | None]]:
    """Read and prepare the next batches in a thread while this one is being written: the
    database works (without the GIL) while Python parses. The thread touches no database;
    what it raises (a file that stops decoding) is raised here, in order."""
    ahead: queue.Queue[tuple[Batch, Prepared] | BaseException | None] = queue.Queue(maxsize=2)
    stop = threading.Event()

    def read() -> None:
        try:
            for batch in batches:
                if not _offer(ahead, (batch, prepare(batch)), stop):
                    return
        except BaseException as exc:  # whatever it is, the consuming thread raises it
            _offer(ahead, exc, stop)
            return
        _offer(ahead, None, stop)

    reader = threading.Thread(target=read, name="connector-file-reader", daemon=True)
    reader.start()
    try:
        while (item := ahead.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        reader.join(timeout=5)


def _offer(ahead: queue.Queue, item: Any, stop: threading.Event) -> bool:
    """Put ``item`` in the queue, waiting for room; False if told to stop meanwhile."""
    while not stop.is_set():
        try:
            ahead.put(item, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False


@contextmanager
def _collector_between_batches() -> Iterator[None]:
    """A file's million short-lived dicts would set off the cyclic garbage collector every
    few hundred allocations, each pass scanning what is alive: half the time of a stock file.
    They hold no cycles and are freed as they go, so the collector runs once per batch."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _count_records(stream: Inbound, path: Path) -> int:
    """Lines in the file, less the header: the records, unless cells hold line breaks."""
    lines = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            lines += chunk.count(b"\n")
    return max(lines - (1 if stream.format == "csv" else 0), 0)


def _commit(
    connector: Connector,
    stream: Inbound,
    path: Path,
    progress: FileProgress,
    batch: list[tuple[int, dict[str, Any]]],
    received_at: datetime,
    report: FileReport,
    prepared: Prepared | None = None,
    last: bool = False,
) -> None:
    with transaction.atomic():
        source = f"{path.name}#{progress.pk}"  # a file name comes back with new contents
        outcomes = apply_records(connector, stream, batch, received_at, source, prepared)
        Reject.objects.bulk_create(_reject_rows(connector, stream, path.name, batch, outcomes))
        counts = Counter(o.status for o in outcomes)
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
    if report.changed is not None:
        report.changed += sum(o.changed for o in outcomes)


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
        if not "".join(cells).strip():
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


def first_receipt(connector: Connector, webhook_id: str) -> bool:
    """Record a signed webhook's id; ``False`` if it was already received (a replay). Ids
    older than twice the signature's tolerance can no longer come with a valid signature and
    are pruned on the way."""
    now = timezone.now()
    horizon = now - timedelta(seconds=2 * signing.TOLERANCE_SECONDS)
    WebhookReceipt.objects.filter(connector=connector.name, received_at__lt=horizon).delete()
    try:
        with transaction.atomic():
            WebhookReceipt.objects.create(
                connector=connector.name, webhook_id=webhook_id[:200], received_at=now
            )
    except IntegrityError:
        return False
    return True


def forget_receipt(connector: Connector, webhook_id: str) -> None:
    WebhookReceipt.objects.filter(connector=connector.name, webhook_id=webhook_id[:200]).delete()


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
    reports: dict[str, list[tuple[int, dict[str, Any]]]] = {}
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
            if is_state_report(connector, stream):
                reports.setdefault(stream.name, []).append((index, record))
                continue
            mapped = mapper_for(connector, stream).map(record, received_at)
            routed.append((index, record, stream, mapped))
        applied = _ingest(connector, [(index, m) for index, _, _, m in routed])
        rejects = []
        for (index, record, stream, _), outcome in zip(routed, applied, strict=True):
            outcomes[index] = outcome
            rejects += _reject_rows(connector, stream, "webhook", [(index, record)], [outcome])
        source = f"webhook@{received_at:%Y%m%dT%H%M%S.%f}"
        for name, items in reports.items():
            stream = connector.stream(name)
            assert stream is not None
            done = apply_records(connector, stream, items, received_at, source)
            outcomes.update((outcome.line, outcome) for outcome in done)
            rejects += _reject_rows(connector, stream, "webhook", items, done)
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
            source = f"{reject.source}#reject-{reject.pk}"
            outcome = apply_records(connector, stream, item, reject.created_at, source)[0]
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
