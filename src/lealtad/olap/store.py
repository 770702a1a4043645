"""The facts on disk: per table, base snapshots and small delta files, all Parquet.

::

    <root>/<table>/base-000007/part-00000.parquet   the latest full snapshot (a directory
                                                    renamed into place whole: atomic)
    <root>/<table>/delta/d-<ns>-ab12.parquet         rows the incremental feed re-read, each
                                                    with ``_version`` (when they were read)
    <root>/_feed/applied.ids                       message ids already turned into deltas

A reader lists the newest ``base-*`` and the ``delta`` files; a half-written snapshot lives
under a dot-name until it is renamed, a delta is written under a dot-name and renamed, so no
reader ever sees half of either. The previous base is kept one round, so a query that listed
it just before a swap still finds its files.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import threading
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from lealtad.olap.schema import ENRICHED, SUPERSEDE_KEY, TABLES, VERSION, arrow_schema

ROW_GROUP = 256_000
BASE_PREFIX = "base-"
META = "_meta.json"


@dataclass(frozen=True)
class Files:
    """What a reader sees of one table at one moment."""

    base: tuple[str, ...]
    deltas: tuple[str, ...]
    watermark: int  # the feed's messages up to this outbox id are in the base
    started: int  # when the base began reading (ns): older deltas are stale


def chunk_table(table: str, chunk: Mapping[str, Sequence[Any]], version: int | None = None):
    """An Arrow table of the fact's columns from a column chunk (unknown columns dropped)."""
    schema = arrow_schema(table, versioned=version is not None)
    length = len(next(iter(chunk.values()))) if chunk else 0
    arrays = []
    for column in schema:
        if column.name == VERSION:
            arrays.append(pa.array([version] * length, pa.int64()))
            continue
        values: Any = chunk.get(column.name)
        if values is None and column.name in ENRICHED:
            arrays.append(pa.nulls(length, column.type))
            continue
        if isinstance(values, pa.Array | pa.ChunkedArray):
            arrays.append(values.cast(column.type))
        else:
            arrays.append(pa.array(values, column.type))
    return pa.Table.from_arrays(arrays, schema=schema)


class SnapshotWriter:
    """Writes one table's snapshot into a hidden directory; :meth:`commit` renames it in."""

    def __init__(self, store: FactStore, table: str, watermark: int, started: int) -> None:
        self.store, self.table, self.watermark, self.started = store, table, watermark, started
        self.tmp = store.table_dir(table) / f".tmp-{uuid.uuid4().hex}"
        self.tmp.mkdir(parents=True)
        self.rows = 0
        self._pending: list[pa.Table] = []
        self._pending_rows = 0
        self._writer = pq.ParquetWriter(
            self.tmp / "part-00000.parquet", arrow_schema(table), compression="zstd"
        )

    def write(self, chunk: Mapping[str, Sequence[Any]]) -> int:
        batch = chunk_table(self.table, chunk)
        self._pending.append(batch)
        self._pending_rows += batch.num_rows
        self.rows += batch.num_rows
        if self._pending_rows >= ROW_GROUP:
            self._flush()
        return batch.num_rows

    def _flush(self) -> None:
        if self._pending:
            self._writer.write_table(pa.concat_tables(self._pending), row_group_size=ROW_GROUP)
        self._pending, self._pending_rows = [], 0

    def finish(self) -> Path:
        """Close the files without swapping them in (for a caller that compares first)."""
        self._flush()
        self._writer.close()
        return self.tmp

    def commit(self) -> Path:
        self.finish()
        return self.store.swap_in(self.table, self.tmp, self.watermark, self.started, self.rows)

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            self._writer.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


class FactStore:
    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self._ledger_lock = threading.Lock()
        self._applied: set[str] = set()
        self._ledger_offset = 0

    def table_dir(self, table: str) -> Path:
        if table not in TABLES:
            raise KeyError(table)
        return self.root / table

    def _bases(self, table: str) -> list[Path]:
        folder = self.table_dir(table)
        if not folder.is_dir():
            return []
        return sorted(p for p in folder.iterdir() if p.name.startswith(BASE_PREFIX))

    def next_seq(self, table: str) -> int:
        bases = self._bases(table)
        return int(bases[-1].name[len(BASE_PREFIX) :]) + 1 if bases else 1

    def files(self, table: str) -> Files:
        bases = self._bases(table)
        base: tuple[str, ...] = ()
        watermark = started = 0
        if bases:
            base = tuple(sorted(str(p) for p in bases[-1].glob("*.parquet")))
            meta = bases[-1] / META
            if meta.exists():
                found = json.loads(meta.read_text())
                watermark, started = int(found["watermark"]), int(found["started"])
        delta_dir = self.table_dir(table) / "delta"
        deltas: tuple[str, ...] = ()
        if delta_dir.is_dir():
            deltas = tuple(sorted(str(p) for p in delta_dir.glob("d-*.parquet")))
        return Files(base, deltas, watermark, started)

    def signature(self) -> tuple:
        """Changes whenever a snapshot or a delta lands: the engine rebuilds its views then."""
        return tuple((t, self.files(t)) for t in TABLES)

    def snapshot(self, table: str, watermark: int = 0, started: int = 0) -> SnapshotWriter:
        return SnapshotWriter(self, table, watermark, started or time.time_ns())

    def swap_in(
        self,
        table: str,
        folder: Path,
        watermark: int,
        started: int,
        rows: int,
        folded: Sequence[str] = (),
    ) -> Path:
        """Rename a finished snapshot directory in as the table's newest base, then drop what
        it makes useless: bases before the previous one, deltas it folded in and deltas read
        before it began (older than anything in it)."""
        (folder / META).write_text(
            json.dumps({"watermark": watermark, "started": started, "rows": rows})
        )
        _fsync_dir(folder)
        final = self.table_dir(table) / f"{BASE_PREFIX}{self.next_seq(table):06d}"
        os.rename(folder, final)
        _fsync_dir(final.parent)
        for old in self._bases(table)[:-2]:
            shutil.rmtree(old, ignore_errors=True)
        for name in folded:
            Path(name).unlink(missing_ok=True)
        delta_dir = self.table_dir(table) / "delta"
        if delta_dir.is_dir():
            for path in delta_dir.glob("d-*.parquet"):
                if delta_version(path) < started:
                    path.unlink(missing_ok=True)
        return final

    # The incremental feed ---------------------------------------------------------------

    def append_delta(
        self, table: str, chunks: Iterable[Mapping[str, Sequence[Any]]], version: int
    ) -> int:
        """Write re-read rows of ``table`` as one delta file; ``version`` is when they were
        read (``time.time_ns()`` taken before reading), so the latest read wins."""
        parts = [chunk_table(table, c, version) for c in chunks]
        parts = [p for p in parts if p.num_rows]
        if not parts:
            return 0
        data = pa.concat_tables(parts)
        folder = self.table_dir(table) / "delta"
        folder.mkdir(parents=True, exist_ok=True)
        name = f"d-{version:020d}-{uuid.uuid4().hex[:8]}.parquet"
        tmp = folder / f".{name}"
        pq.write_table(data, tmp, compression="zstd")
        os.replace(tmp, folder / name)
        return data.num_rows

    def delta_path(self, table: str, version: int) -> tuple[Path, Path]:
        """(hidden, final) names for a delta another writer (DuckDB's COPY) produces."""
        folder = self.table_dir(table) / "delta"
        folder.mkdir(parents=True, exist_ok=True)
        name = f"d-{version:020d}-{uuid.uuid4().hex[:8]}.parquet"
        return folder / f".{name}", folder / name

    def applied(self) -> set[str]:
        """Messages already folded into deltas, as ``id:stamp`` keys (the outbox id and when
        the message was written: an id alone repeats when the database is another one, a
        restored backup or a test's), read on from where this process stopped."""
        ledger = self.root / "_feed" / "applied.ids"
        with self._ledger_lock:
            if ledger.exists():
                with ledger.open("rb") as handle:
                    if handle.seek(0, os.SEEK_END) < self._ledger_offset:
                        self._applied, self._ledger_offset = set(), 0  # pruned: read again
                    handle.seek(self._ledger_offset)
                    data = handle.read()
                complete = data[: data.rfind(b"\n") + 1]
                self._applied.update(x.decode() for x in complete.split())
                self._ledger_offset += len(complete)
            return set(self._applied)

    def mark_applied(self, keys: Iterable[str]) -> None:
        wanted = sorted(set(keys))
        if not wanted:
            return
        folder = self.root / "_feed"
        folder.mkdir(parents=True, exist_ok=True)
        data = "".join(f"{k}\n" for k in wanted).encode()
        fd = os.open(folder / "applied.ids", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)

    def prune_ledger(self, watermark: int) -> None:
        """Forget messages at or below a watermark every table's base has passed."""
        ledger = self.root / "_feed" / "applied.ids"
        if not ledger.exists():
            return
        keep = sorted(k for k in self.applied() if int(k.split(":")[0]) > watermark)
        tmp = ledger.with_suffix(".tmp")
        tmp.write_text("".join(f"{k}\n" for k in keep))
        os.replace(tmp, ledger)
        with self._ledger_lock:
            self._applied, self._ledger_offset = set(), 0

    def delta_rows(self) -> dict[str, int]:
        found = {}
        for table in TABLES:
            deltas = self.files(table).deltas
            found[table] = sum(pq.ParquetFile(p).metadata.num_rows for p in deltas)
        return found


def superseded_key(table: str) -> str:
    return SUPERSEDE_KEY[table]


def delta_version(path: Path | str) -> int:
    return int(Path(path).name.split("-")[1])


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
