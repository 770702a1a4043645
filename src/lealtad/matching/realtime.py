"""Resolving one incoming record against the whole base, in memory, in milliseconds.

:class:`Index` keeps, for every blocking rule, the base's keys sorted with their rows, so the
candidates of an incoming record are a binary search per rule away. The candidates are then
compared and scored with the same comparisons and model as the batch dedupe, with the base's
term frequencies.

Examples:
    >>> from lealtad.matching import Person, Records, train
    >>> base = Records.from_people([
    ...     Person(10, "Rodrigo", "Juárez", "Ortega", "1980-02-03", national_id="1710034065"),
    ...     Person(11, "Lucía", "Quishpe", "Tipán", "1992-11-30"),
    ... ])
    >>> index = Index(base, Model.untrained())
    >>> best = index.query(Person(0, "RODRIGO", "JUAREZ", "", "1980-02-03"))[0]
    >>> best.key
    10
    >>> decide(index.query(Person(0, "Ana", "Mamani", "", "2001-01-01")), 0.95, 0.5).action
    'new'
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from lealtad.matching import fellegi_sunter as fs
from lealtad.matching.blocking import DEFAULT_RULES, Rule, combine, combine_one, distinct
from lealtad.matching.comparisons import compare
from lealtad.matching.fellegi_sunter import Model
from lealtad.matching.records import Person, Records, normalize

Row = dict[str, object]


@dataclass(frozen=True)
class Match:
    """A candidate customer for an incoming record."""

    key: int
    probability: float
    weight: float
    reason: str


@dataclass(frozen=True)
class Decision:
    """What to do with an incoming record that no deterministic key resolved.

    ``action`` is "link" (best candidate at or above the upper threshold), "review" (between
    the thresholds: attach to a provisional customer and open a review) or "new".
    """

    action: str
    best: Match | None
    candidates: tuple[Match, ...]


def decide(matches: Sequence[Match], upper: float, lower: float) -> Decision:
    best = matches[0] if matches else None
    if best is not None and best.probability >= upper:
        return Decision("link", best, tuple(matches))
    if best is not None and best.probability >= lower:
        return Decision("review", best, tuple(matches))
    return Decision("new", best, tuple(matches))


class Index:
    """An in-memory blocking index over a base of records, queried one record at a time.

    Args:
        records: the base (e.g. every live customer).
        model: a trained :class:`~lealtad.matching.fellegi_sunter.Model`.
        rules: blocking rules (the batch dedupe's by default).
        limit: at most this many candidates per rule and key (a huge block, such as one
            common surname, then gives only the first ``limit`` of its records).
    """

    def __init__(
        self,
        records: Records,
        model: Model,
        rules: Sequence[Rule] = DEFAULT_RULES,
        limit: int = 50,
    ) -> None:
        self.records = records
        self.model = model
        self.limit = limit
        self._slots: list[tuple[int, int, np.ndarray, np.ndarray]] = []
        self._extra: list[tuple[int, Row]] = []
        self._extra_keys: dict[tuple[int, int], list[int]] = defaultdict(list)
        self._rules = list(rules)
        for r_index, rule in enumerate(self._rules):
            for s_index, slot in enumerate(rule.slots):
                key = combine([part.keys(records) for part in slot])
                rows = np.nonzero(key > 0)[0]
                order = np.argsort(key[rows], kind="stable")
                self._slots.append((r_index, s_index, key[rows][order], rows[order]))
        self._tf = fs.term_adjustments(records, model.comparisons)
        for c in model.comparisons:
            if c.tf_column:
                records.code_of(c.tf_column, "")  # builds the value → code lookup now

    def __len__(self) -> int:
        return len(self.records) + len(self._extra)

    def _keys_of(self, row: Row) -> list[int]:
        return [
            combine_one([part.key_of(row) for part in self._rules[r].slots[s]])
            for r, s, _, _ in self._slots
        ]

    def add(self, person: Person) -> None:
        """Make a record created since the index was built findable (until the next rebuild)."""
        row = normalize(person)
        position = len(self.records) + len(self._extra)
        self._extra.append((person.key, row))
        for slot, key in enumerate(self._keys_of(row)):
            if key:
                self._extra_keys[(slot, key)].append(position)

    def candidates(self, row: Row) -> np.ndarray:
        found = []
        for slot, key in enumerate(self._keys_of(row)):
            if not key:
                continue
            keys, rows = self._slots[slot][2], self._slots[slot][3]
            lo = int(np.searchsorted(keys, key, side="left"))
            hi = int(np.searchsorted(keys, key, side="right"))
            if hi > lo:
                found.append(rows[lo : min(hi, lo + self.limit)])
            extra = self._extra_keys.get((slot, key))
            if extra:
                found.append(np.array(extra[: self.limit], dtype=np.int64))
        if not found:
            return np.zeros(0, dtype=np.int64)
        return distinct(np.concatenate(found))

    def query(self, person: Person, top: int = 5) -> list[Match]:
        """The best candidates for ``person``, most probable first."""
        row = normalize(person)
        rows = self.candidates(row)
        if len(rows) == 0:
            return []
        mini, keys = self._mini(row, rows)
        i = np.zeros(len(rows), dtype=np.int64)
        j = np.arange(1, len(rows) + 1, dtype=np.int64)
        levels = compare(mini, i, j, self.model.comparisons)
        scores = fs.score(self.model, mini, j, i, levels=levels, tf=self._mini_tf(mini))
        order = np.argsort(-scores.weight)[:top]
        reasons = fs.explain(self.model, scores.parts[order], levels[order])
        return [
            Match(int(keys[k]), float(scores.probability[k]), float(scores.weight[k]), reason)
            for k, reason in zip(order.tolist(), reasons, strict=True)
        ]

    def resolve(self, person: Person, upper: float, lower: float) -> Decision:
        """:func:`decide` on the best candidates of ``person``."""
        return decide(self.query(person), upper, lower)

    def _mini(self, row: Row, rows: np.ndarray) -> tuple[Records, np.ndarray]:
        """A small batch: the incoming row first, then the candidates."""
        n = len(self.records)
        base_rows = rows[rows < n]
        extra_rows = [self._extra[k - n] for k in rows[rows >= n].tolist()]
        columns: dict[str, np.ndarray] = {}
        for name, values in self.records.columns.items():
            head = np.empty(1 + len(extra_rows), dtype=values.dtype)
            head[:] = [row[name]] + [r[name] for _, r in extra_rows]
            columns[name] = np.concatenate([head[:1], values[base_rows], head[1:]])
        keys = np.concatenate(
            [self.records.keys[base_rows], np.array([k for k, _ in extra_rows], dtype=np.int64)]
        )
        return Records(np.concatenate([[0], keys]).astype(np.int64), columns), keys

    def _mini_tf(self, mini: Records) -> list[np.ndarray]:
        """The base's term frequency adjustments, re-indexed by the small batch's codes."""
        out = []
        for c, base_tf in zip(self.model.comparisons, self._tf, strict=True):
            if not c.tf_column or not len(base_tf):
                out.append(np.zeros(0))
                continue
            vocab = mini.vocabulary(c.tf_column).tolist()
            codes = [self.records.code_of(c.tf_column, v) for v in vocab]
            out.append(np.array([base_tf[k] if k > 0 else 0.0 for k in codes]))
        return out
