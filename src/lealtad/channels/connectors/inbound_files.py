"""Files dropped in a stream's folder → :func:`.inbound.apply_records`, batch by batch.

Files are read in name order, in batches. Each batch commits in one transaction with its
rejects and the file's progress, so a crash mid-file resumes after the last committed batch
(and event ids make a re-applied record a harmless duplicate). A bad record is rejected with
its line and external field; the rest of the file goes on. Finished files move to ``done/``;
a file that cannot be read at all (no such column, bad encoding) moves to ``failed/`` with
one reject saying why, and replaying that reject puts it back.
"""

from __future__ import annotations

import csv
import gc
import hashlib
import json
import logging
import queue
import shutil
import threading
from collections import Counter
from collections.abc import Callable, Generator, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from lealtad.channels import folders, services
from lealtad.channels.connectors import registry
from lealtad.channels.connectors.inbound import (
    BROKEN_LINE,
    FILE_REJECT,
    Prepared,
    apply_records,
    is_state_report,
    prepare_reports,
    reject_rows,
)
from lealtad.channels.connectors.spec import Connector, Inbound
from lealtad.channels.models import FileProgress, Reject

log = logging.getLogger(__name__)
SKIPPED_SUFFIXES = (".tmp", ".part", ".partial", ".swp")


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
    for n, item in enumerate(records(stream, path), start=1):
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
        Reject.objects.bulk_create(reject_rows(connector, stream, path.name, batch, outcomes))
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


def records(stream: Inbound, path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
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
