"""The realtime index saved as flat arrays, mapped into memory by every process that serves.

Each worker used to build its own :class:`~lealtad.matching.realtime.Index` from the whole
base: read a million customers, normalize them, sort a key array per blocking rule — about a
minute of CPU and more than a gigabyte per process. A snapshot holds what that build produced
(the sorted keys and rows of every rule, the customer ids, every text column as integer codes
into one vocabulary per group, the term-frequency adjustments), each array in its own ``.npy``
file, and strings as one UTF-8 blob with offsets. Loading maps the files read-only
(``mmap_mode="r"``): the pages live once in the operating system's cache, shared by every
worker, and a worker is ready in the time it takes to open them and build the small lookups
the term frequencies need.

A snapshot is written to a fresh directory and renamed into place, so a reader sees an old
snapshot or a new one, never half of one.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from lealtad.matching.blocking import DEFAULT_RULES, Rule
from lealtad.matching.fellegi_sunter import Model
from lealtad.matching.realtime import Index
from lealtad.matching.records import _GROUP_OF, TEXT_COLUMNS, VOCABULARIES, Records

FORMAT = 1


class Vocabulary:
    """Strings by code, read from a mapped blob: only the candidates' values are decoded."""

    def __init__(self, blob: np.ndarray, offsets: np.ndarray) -> None:
        self.blob, self.offsets = blob, offsets

    @staticmethod
    def pack(strings: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        encoded = [s.encode() for s in strings]
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        offsets[1:] = np.cumsum([len(e) for e in encoded])
        return np.frombuffer(b"".join(encoded), dtype=np.uint8), offsets

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def strings(self, codes: np.ndarray) -> np.ndarray:
        out = np.empty(len(codes), dtype=object)
        blob, offsets = self.blob, self.offsets
        out[:] = [blob[offsets[c] : offsets[c + 1]].tobytes().decode() for c in codes.tolist()]
        return out

    def lookup(self) -> dict[str, int]:
        return {s: code for code, s in enumerate(self.strings(np.arange(len(self))).tolist())}


class MappedRecords:
    """The base of a loaded snapshot, read as :class:`Index` reads its records."""

    def __init__(
        self,
        keys: np.ndarray,
        codes: dict[str, np.ndarray],
        vocabularies: dict[str, Vocabulary],
        numbers: dict[str, np.ndarray],
        lookups: dict[str, dict[str, int]],
    ) -> None:
        self.keys = keys
        self.codes = codes
        self.vocabularies = vocabularies
        self.numbers = numbers
        self.lookups = lookups

    def __len__(self) -> int:
        return len(self.keys)

    def columns_at(self, rows: np.ndarray) -> dict[str, np.ndarray]:
        out = {
            name: self.vocabularies[_GROUP_OF[name]].strings(self.codes[name][rows])
            for name in TEXT_COLUMNS
        }
        out.update({name: np.asarray(values[rows]) for name, values in self.numbers.items()})
        return out

    def code_of(self, column: str, value: str) -> int:
        if not value:
            return 0
        return self.lookups[_GROUP_OF[column]].get(value, -1)


def save(index: Index, directory: Path, stamp: dict[str, object]) -> None:
    """Write ``index`` (built from in-memory :class:`Records`) as a snapshot at ``directory``.

    ``stamp`` is kept beside it (what it was built from: the model's time, the last
    customer id…) for the caller to decide when it is stale.
    """
    records = index.records
    assert isinstance(records, Records), "a snapshot is made from a freshly built index"
    directory.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".snapshot-", dir=directory.parent))
    arrays: dict[str, np.ndarray] = {"keys": records.keys}
    for k, (_, _, keys, rows) in enumerate(index._slots):
        arrays[f"slot{k}_keys"], arrays[f"slot{k}_rows"] = keys, rows.astype(np.int64)
    for k, tf in enumerate(index._tf):
        arrays[f"tf{k}"] = tf
    for group in VOCABULARIES:
        blob, offsets = Vocabulary.pack(records.vocabulary(VOCABULARIES[group][0]).tolist())
        arrays[f"vocab_{group}_blob"], arrays[f"vocab_{group}_offsets"] = blob, offsets
    for name in TEXT_COLUMNS:
        arrays[f"codes_{name}"] = records.codes(name)
    numbers = [name for name in records.columns if name not in TEXT_COLUMNS]
    for name in numbers:
        arrays[f"number_{name}"] = np.asarray(records.columns[name])
    for name, values in arrays.items():
        np.save(work / f"{name}.npy", values, allow_pickle=False)
    meta = {
        "format": FORMAT,
        "slots": [[r, s] for r, s, _, _ in index._slots],
        "tf": len(index._tf),
        "numbers": numbers,
        "limit": index.limit,
        "stamp": stamp,
    }
    (work / "meta.json").write_text(json.dumps(meta))
    _replace(work, directory)


def _replace(work: Path, directory: Path) -> None:
    """Put ``work`` where ``directory`` was, by renames (the old one is removed after)."""
    old = None
    if directory.exists():
        old = directory.with_name(f"{directory.name}.old-{os.getpid()}")
        directory.rename(old)
    work.rename(directory)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def stamp_of(directory: Path) -> dict[str, object] | None:
    """What the snapshot at ``directory`` was built from; None when there is none."""
    try:
        meta = json.loads((directory / "meta.json").read_text())
    except (OSError, ValueError):
        return None
    return meta["stamp"] if meta.get("format") == FORMAT else None


def load(directory: Path, model: Model, rules: Sequence[Rule] = DEFAULT_RULES) -> Index:
    """The index saved at ``directory``, its arrays mapped read-only."""
    meta = json.loads((directory / "meta.json").read_text())

    def array(name: str) -> np.ndarray:
        return np.load(directory / f"{name}.npy", mmap_mode="r", allow_pickle=False)

    vocabularies = {
        group: Vocabulary(array(f"vocab_{group}_blob"), array(f"vocab_{group}_offsets"))
        for group in VOCABULARIES
    }
    tf_groups = {_GROUP_OF[c.tf_column] for c in model.comparisons if c.tf_column}
    records = MappedRecords(
        keys=array("keys"),
        codes={name: array(f"codes_{name}") for name in TEXT_COLUMNS},
        vocabularies=vocabularies,
        numbers={name: array(f"number_{name}") for name in meta["numbers"]},
        lookups={group: vocabularies[group].lookup() for group in tf_groups},
    )
    slots = [
        (r, s, array(f"slot{k}_keys"), array(f"slot{k}_rows"))
        for k, (r, s) in enumerate(meta["slots"])
    ]
    tf = [np.asarray(array(f"tf{k}")) for k in range(meta["tf"])]
    return Index.restore(records, model, rules, meta["limit"], slots, tf)
