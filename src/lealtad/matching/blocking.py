"""Candidate pairs: the union of several blocking rules, so no pair is scored without cause.

A rule names a key built from parts of a record (a column's code, its first letter, its
Soundex, the birth year, a prefix of an id, …). Records sharing a key are candidate pairs.
A key shared by too many records (a common surname on a common birth date at a million
customers) would make pairs grow with the square of its size, so within a key the records
are sorted by name and each is paired only with its next ``window`` neighbours (the sorted
neighbourhood method): small blocks give every pair, large ones the pairs most alike.
All of it is numpy on integer codes: a million records block in seconds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from lealtad.matching import text
from lealtad.matching.records import Records

_MASK = (1 << 64) - 1
_MIX = 0x9E3779B97F4A7C15


def _hash(value: str) -> int:
    """A non-zero 63-bit hash of a text (stable within a process)."""
    return (hash(value) & 0x7FFF_FFFF_FFFF_FFFF) or 1


def distinct(values: np.ndarray) -> np.ndarray:
    """Sorted distinct integers (numpy's hash-based ``unique`` is slow on big int arrays)."""
    if len(values) == 0:
        return values
    ordered = np.sort(values)
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


class Part:
    """One part of a blocking key: an integer per record, 0 when the record lacks it.

    ``keys`` computes it for a whole batch (vectorized through the column's vocabulary);
    ``key_of`` for one normalized row (the realtime index uses it for incoming records).
    """

    name = "part"

    def keys(self, r: Records) -> np.ndarray:
        raise NotImplementedError

    def key_of(self, row: dict[str, object]) -> int:
        raise NotImplementedError


class TextPart(Part):
    """A text column, optionally transformed (first letter, Soundex, prefix…)."""

    def __init__(self, column: str, label: str = "", fn: Callable[[str], str] | None = None):
        self.column = column
        self.fn = fn or (lambda v: v)
        self.name = f"{label}({column})" if label else column

    def _value(self, value: str) -> int:
        derived = self.fn(value) if value else ""
        return _hash(derived) if derived else 0

    def keys(self, r: Records) -> np.ndarray:
        return r.derived(self.column, self.name, self._value)[r.codes(self.column)]

    def key_of(self, row: dict[str, object]) -> int:
        return self._value(str(row[self.column]))


class DatePart(Part):
    """The birth date (``yyyymmdd``) or its year."""

    def __init__(self, year_only: bool = False):
        self.year_only = year_only
        self.name = "birth year" if year_only else "birth date"

    def keys(self, r: Records) -> np.ndarray:
        dob = np.asarray(r["dob"], dtype=np.int64)
        return dob // 10000 if self.year_only else dob

    def key_of(self, row: dict[str, object]) -> int:
        dob = int(row["dob"])  # type: ignore[call-overload]
        return dob // 10000 if self.year_only else dob


class NamePair(Part):
    """Given name and first surname as an unordered pair: "Juan Pérez" ~ "Pérez Juan"."""

    name = "given name + surname"

    def keys(self, r: Records) -> np.ndarray:
        g = TextPart("given1").keys(r)
        s = TextPart("sur1").keys(r)
        return self._mix(g, s)

    def key_of(self, row: dict[str, object]) -> int:
        g = TextPart("given1").key_of(row)
        s = TextPart("sur1").key_of(row)
        return int(self._mix(np.array([g]), np.array([s]))[0])

    @staticmethod
    def _mix(g: np.ndarray, s: np.ndarray) -> np.ndarray:
        low = np.minimum(g, s).astype(np.uint64)
        high = np.maximum(g, s).astype(np.uint64)
        key = (low * np.uint64(_MIX) + high).view(np.int64) & 0x7FFF_FFFF_FFFF_FFFF
        key[(g == 0) | (s == 0)] = 0
        return key


def column(name: str) -> Part:
    return TextPart(name)


def initial(name: str) -> Part:
    return TextPart(name, "initial", lambda v: v[0])


def soundex(name: str) -> Part:
    return TextPart(name, "soundex", text.soundex)


def prefix(name: str, n: int) -> Part:
    return TextPart(name, f"first{n}", lambda v: v[:n] if len(v) > n else "")


def suffix(name: str, n: int) -> Part:
    return TextPart(name, f"last{n}", lambda v: v[-n:] if len(v) > n else "")


birth_date = DatePart()
birth_year = DatePart(year_only=True)
name_pair = NamePair()


@dataclass(frozen=True)
class Rule:
    """Records agreeing on every part of any one of ``slots`` are candidates.

    Most rules have one slot; multi-valued fields (two phones, two emails) have one slot per
    value, all in a shared vocabulary, so phone 1 of one record meets phone 2 of another.
    """

    name: str
    slots: tuple[tuple[Part, ...], ...]

    @staticmethod
    def on(name: str, *parts: Part) -> Rule:
        return Rule(name, (tuple(parts),))


def combine(parts: Sequence[np.ndarray]) -> np.ndarray:
    """One key per record from several parts (hash-mixed); 0 where any part is missing."""
    key = parts[0].astype(np.uint64)
    missing = parts[0] == 0
    for part in parts[1:]:
        missing |= part == 0
        key = key * np.uint64(_MIX) + part.astype(np.uint64)
    out = key.view(np.int64) & 0x7FFF_FFFF_FFFF_FFFF
    out[out == 0] = 1
    out[missing] = 0
    return out


def combine_one(parts: Sequence[int]) -> int:
    """:func:`combine` for one record."""
    if any(p == 0 for p in parts):
        return 0
    key = parts[0] & _MASK
    for part in parts[1:]:
        key = (key * _MIX + part) & _MASK
    return (key & 0x7FFF_FFFF_FFFF_FFFF) or 1


def _sort_keys(r: Records) -> tuple[np.ndarray, ...]:
    """Order within a block: by birth date, then surname, then given names.

    Records in one block already share names or a date; sorting big blocks by birth date
    first puts the same person's records next to each other even when the block is a
    common name.
    """
    return r.codes("given"), r.codes("sur1"), np.asarray(r["dob"])


def sort_rank(records: Records) -> np.ndarray:
    """Each record's position in the order of :func:`_sort_keys` (computed once for all
    rules: sorting by one rank is much cheaper than by the three keys again per rule)."""
    order = np.lexsort(_sort_keys(records))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank


def rule_pairs(
    records: Records, rule: Rule, window: int, rank: np.ndarray | None = None
) -> np.ndarray:
    """Candidate pairs of one rule, as ``i * n + j`` codes with ``i < j``."""
    n = len(records)
    rank = sort_rank(records) if rank is None else rank
    keys, rows = [], []
    for slot in rule.slots:
        key = combine([part.keys(records) for part in slot])
        keep = np.nonzero(key > 0)[0]
        keys.append(key[keep])
        rows.append(keep)
    key = np.concatenate(keys)
    row = np.concatenate(rows).astype(np.int64)
    order = np.lexsort((rank[row], key))
    key, row = key[order], row[order]
    found = []
    for d in range(1, window + 1):
        same = np.nonzero(key[:-d] == key[d:])[0]
        if len(same) == 0:
            break
        a, b = row[same], row[same + d]
        found.append(np.minimum(a, b) * n + np.maximum(a, b))
    if not found:
        return np.zeros(0, dtype=np.int64)
    pairs = np.concatenate(found)
    if len(rule.slots) == 1:
        return pairs  # each record once in the sorted keys: no pair twice, none with itself
    pairs = distinct(pairs)
    return pairs[(pairs // n) != (pairs % n)]


def block_sample(
    records: Records, rule: Rule, max_pairs: int, rng: np.random.Generator
) -> tuple[np.ndarray, int]:
    """Pairs of a rule's blocks drawn uniformly (all of them when few), and how many exist.

    Training needs the block's pairs as they are: the sorted neighbourhood of
    :func:`rule_pairs` would favour pairs that agree on names.
    """
    n = len(records)
    key = combine([part.keys(records) for part in rule.slots[0]])
    rows = np.nonzero(key > 0)[0]
    order = np.argsort(key[rows], kind="stable")
    rows, key = rows[order], key[rows][order]
    starts = np.concatenate([[0], np.nonzero(np.diff(key))[0] + 1]) if len(key) else np.zeros(0)
    sizes = np.diff(np.concatenate([starts, [len(key)]])).astype(np.int64)
    counts = sizes * (sizes - 1) // 2
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64), 0
    if total <= max_pairs and int(sizes.max()) <= 500:
        found = []
        for d in range(1, int(sizes.max())):
            same = np.nonzero(key[:-d] == key[d:])[0]
            a, b = rows[same], rows[same + d]
            found.append(np.minimum(a, b) * n + np.maximum(a, b))
        return distinct(np.concatenate(found)), total
    cum = np.cumsum(counts)
    draw = rng.integers(0, total, size=max_pairs)
    group = np.searchsorted(cum, draw, side="right")
    a = rng.integers(0, sizes[group])
    b = rng.integers(0, sizes[group] - 1)
    b = b + (b >= a)
    ra, rb = rows[starts[group] + a], rows[starts[group] + b]
    return distinct(np.minimum(ra, rb) * n + np.maximum(ra, rb)), total


DEFAULT_RULES: tuple[Rule, ...] = (
    Rule.on("national id", column("nid")),
    Rule.on("other id", column("oid")),
    Rule("phone", ((column("phone1"),), (column("phone2"),))),
    Rule("email local part", ((column("local1"),), (column("local2"),))),
    Rule.on("given name + surname (either order)", name_pair),
    Rule.on("birth date + given initial", birth_date, initial("given1")),
    Rule.on("birth date + surname initial", birth_date, initial("sur1")),
    Rule.on("surname soundex + birth year", soundex("sur1"), birth_year),
    Rule.on("given name soundex + birth year", soundex("given1"), birth_year),
    Rule.on("postcode + house number", column("postcode"), column("number")),
    Rule.on("street + house number", column("street"), column("number")),
    Rule.on("postcode + surname initial", column("postcode"), initial("sur1")),
    Rule.on("national id start + surname initial", prefix("nid", 5), initial("sur1")),
    Rule.on("national id end + given initial", suffix("nid", 5), initial("given1")),
    Rule.on("other id start + surname initial", prefix("oid", 4), initial("sur1")),
    Rule.on("other id end + given initial", suffix("oid", 4), initial("given1")),
)


@dataclass
class Candidates:
    """The candidate pairs (``i < j``, row numbers) and how many each rule proposed."""

    i: np.ndarray
    j: np.ndarray
    per_rule: dict[str, int]

    def __len__(self) -> int:
        return len(self.i)


def candidates(
    records: Records, rules: Sequence[Rule] = DEFAULT_RULES, window: int = 6
) -> Candidates:
    """The union of every rule's pairs."""
    n = len(records)
    found, per_rule = [], {}
    rank = sort_rank(records)
    for rule in rules:
        pairs = rule_pairs(records, rule, window, rank)
        per_rule[rule.name] = len(pairs)
        found.append(pairs)
    pairs = distinct(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)
    return Candidates(pairs // n, pairs % n, per_rule)


def pair_completeness(cands: Candidates, n: int, true_i: np.ndarray, true_j: np.ndarray) -> float:
    """Share of the true pairs (row numbers) that blocking proposed."""
    if len(true_i) == 0:
        return 1.0
    truth = np.minimum(true_i, true_j).astype(np.int64) * n + np.maximum(true_i, true_j)
    found = cands.i.astype(np.int64) * n + cands.j
    return float(np.isin(truth, found).mean())
