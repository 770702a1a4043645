"""The realtime index saved once and mapped by every serving process answers as the index
built in memory does."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lealtad.matching import snapshot, train
from lealtad.matching.realtime import Index
from lealtad.matching.records import Records
from lealtad.matching.synthetic import population


def _built() -> tuple[Index, list]:
    people = population(3000, duplicate_share=0.2, seed=11).people
    base, incoming = people[:2500], people[2500:]
    records = Records.from_people(base)
    return Index(records, train(records)), incoming


def test_a_loaded_snapshot_finds_the_same_candidates(tmp_path: Path):
    index, incoming = _built()
    snapshot.save(index, tmp_path / "index", {"last": 7})
    loaded = snapshot.load(tmp_path / "index", index.model)
    assert isinstance(loaded.records, snapshot.MappedRecords)
    assert isinstance(loaded.records.keys, np.memmap)  # mapped, not read into the process
    built, mapped = index.query_many(incoming), loaded.query_many(incoming)
    assert [[(m.key, round(m.weight, 9)) for m in ms] for ms in built] == [
        [(m.key, round(m.weight, 9)) for m in ms] for ms in mapped
    ]
    assert any(built), "the incoming records have candidates at all"
    assert snapshot.stamp_of(tmp_path / "index") == {"last": 7}


def test_records_added_after_the_snapshot_are_found(tmp_path: Path):
    index, incoming = _built()
    snapshot.save(index, tmp_path / "index", {})
    loaded = snapshot.load(tmp_path / "index", index.model)
    newcomer = incoming[0]
    loaded.add(newcomer)
    assert loaded.query(newcomer)[0].key == newcomer.key


def test_a_new_snapshot_replaces_the_old_whole(tmp_path: Path):
    index, _ = _built()
    snapshot.save(index, tmp_path / "index", {"n": 1})
    snapshot.save(index, tmp_path / "index", {"n": 2})
    assert snapshot.stamp_of(tmp_path / "index") == {"n": 2}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index"]
    assert snapshot.stamp_of(tmp_path / "missing") is None
