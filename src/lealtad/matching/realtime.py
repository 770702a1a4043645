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
from typing import Any

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

    @classmethod
    def restore(
        cls,
        records: Any,
        model: Model,
        rules: Sequence[Rule],
        limit: int,
        slots: list[tuple[int, int, np.ndarray, np.ndarray]],
        tf: list[np.ndarray],
    ) -> Index:
        """An index from what a build produced (see :mod:`lealtad.matching.snapshot`):
        ``records`` only needs ``keys``, ``len``, ``columns_at`` and ``code_of``."""
        index = cls.__new__(cls)
        index.records, index.model, index.limit = records, model, limit
        index._slots, index._tf, index._rules = slots, tf, list(rules)
        index._extra, index._extra_keys = [], defaultdict(list)
        return index

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

    def query(self, person: Person, top: int = 5) -> list[Match]:
        """The best candidates for ``person``, most probable first."""
        return self.query_many([person], top)[0]

    def resolve(self, person: Person, upper: float, lower: float) -> Decision:
        """:func:`decide` on the best candidates of ``person``."""
        return decide(self.query(person), upper, lower)

    def query_many(self, people: Sequence[Person], top: int = 5) -> list[list[Match]]:
        """The best candidates of each of ``people``, most probable first, found together.

        One blocking lookup per rule and one comparison pass for the whole batch, so a
        thousand incoming records cost about what a dozen did one by one. A record is also
        compared with the records before it in ``people`` (its candidates among them carry
        the key ``-1 - position``): the caller decides whether such an earlier record became
        a customer it may link to.
        """
        if not people:
            return []
        batch = Records.from_people(people)
        query, found = self._pairs(batch)
        if len(query) == 0:
            return [[] for _ in people]
        mini, left, right, keys = self._mini(batch, query, found)
        levels = compare(mini, left, right, self.model.comparisons)
        scores = fs.score(self.model, mini, right, left, levels=levels, tf=self._mini_tf(mini))
        return self._best(len(people), query, keys, scores, levels, top)

    def _pairs(self, batch: Records) -> tuple[np.ndarray, np.ndarray]:
        """Candidate pairs (incoming row, position) with the positions numbered base first,
        then records added since, then the batch's own rows; each pair once."""
        total = len(self)
        queries, found = [], []
        for slot, (r, s, keys, rows) in enumerate(self._slots):
            wanted = combine([part.keys(batch) for part in self._rules[r].slots[s]])
            has = np.nonzero(wanted > 0)[0]
            lo = np.searchsorted(keys, wanted[has], side="left")
            hi = np.minimum(np.searchsorted(keys, wanted[has], side="right"), lo + self.limit)
            counts = hi - lo
            starts = np.repeat(lo - (np.cumsum(counts) - counts), counts)
            queries.append(np.repeat(has, counts))
            found.append(rows[starts + np.arange(int(counts.sum()))])
            for q, key in zip(has.tolist(), wanted[has].tolist(), strict=True):
                extra = self._extra_keys.get((slot, key))
                if extra:
                    queries.append(np.full(min(len(extra), self.limit), q, dtype=np.int64))
                    found.append(np.array(extra[: self.limit], dtype=np.int64))
            earlier_q, earlier = _earlier_same_key(has, wanted[has], self.limit)
            queries.append(earlier_q)
            found.append(earlier + total)
        query = np.concatenate(queries).astype(np.int64)
        position = np.concatenate(found).astype(np.int64)
        span = total + len(batch)
        pair = distinct(query * span + position)
        return pair // span, pair % span

    def _mini(
        self, batch: Records, query: np.ndarray, found: np.ndarray
    ) -> tuple[Records, np.ndarray, np.ndarray, np.ndarray]:
        """One small batch holding the incoming rows, then every candidate once; the pairs
        as its row numbers; each candidate's key (``-1 - position`` for the batch's own)."""
        n, total = len(self.records), len(self)
        wanted = distinct(found)
        base = wanted[wanted < n]
        extra = [self._extra[k - n] for k in wanted[(wanted >= n) & (wanted < total)].tolist()]
        own = wanted[wanted >= total] - total
        columns: dict[str, np.ndarray] = {}
        for name, values in self.records.columns_at(base).items():
            added = np.empty(len(extra), dtype=values.dtype)
            added[:] = [r[name] for _, r in extra]
            columns[name] = np.concatenate(
                [batch.columns[name], values, added, batch.columns[name][own]]
            )
        keys = np.concatenate(
            [
                self.records.keys[base],
                np.array([k for k, _ in extra], dtype=np.int64),
                -1 - own,
            ]
        )
        mini_keys = np.concatenate([np.zeros(len(batch), dtype=np.int64), keys])
        right = len(batch) + np.searchsorted(wanted, found)
        return Records(mini_keys, columns), query, right, keys[right - len(batch)]

    def _best(
        self,
        count: int,
        query: np.ndarray,
        keys: np.ndarray,
        scores: fs.Scores,
        levels: np.ndarray,
        top: int,
    ) -> list[list[Match]]:
        """Each incoming row's ``top`` pairs by weight, explained."""
        order = np.lexsort((-scores.weight, query))
        ranked = query[order]
        first = np.searchsorted(ranked, np.arange(count), side="left")
        last = np.minimum(np.searchsorted(ranked, np.arange(count), side="right"), first + top)
        chosen = np.concatenate(
            [order[a:b] for a, b in zip(first.tolist(), last.tolist(), strict=True)]
        ).astype(np.int64)
        reasons = (
            fs.explain(self.model, scores.parts[chosen], levels[chosen]) if len(chosen) else []
        )
        out: list[list[Match]] = [[] for _ in range(count)]
        for k, reason in zip(chosen.tolist(), reasons, strict=True):
            out[int(query[k])].append(
                Match(int(keys[k]), float(scores.probability[k]), float(scores.weight[k]), reason)
            )
        return out

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


def _earlier_same_key(
    rows: np.ndarray, keys: np.ndarray, limit: int
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (row, earlier row) of a batch sharing a blocking key, each row with at most
    ``limit`` of the nearest earlier rows of its key."""
    order = np.lexsort((rows, keys))
    key, row = keys[order], rows[order]
    later, earlier = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    for back in range(1, limit + 1):
        same = key[back:] == key[:-back]
        if not same.any():
            break
        later.append(row[back:][same])
        earlier.append(row[:-back][same])
    return np.concatenate(later), np.concatenate(earlier)
