"""Deduplicate a base with a model trained by :mod:`~lealtad.matching.training`: blocking,
scoring, clustering.

Examples:
    >>> from lealtad.matching import Person, Records, dedupe, train
    >>> from lealtad.matching.synthetic import population
    >>> people = population(2000, seed=1).people + [
    ...     Person(90001, "María José", "Quishpe", "Guamán", "1990-05-01",
    ...            phones=[("0991234567", True)]),
    ...     Person(90002, "Ma. José", "QUISHPE", "", "1990-05-01",
    ...            phones=[("099 123 4567", True)]),
    ... ]
    >>> records = Records.from_people(people)
    >>> result = dedupe(records, train(records))
    >>> row = {key: i for i, key in enumerate(records.keys.tolist())}
    >>> bool(result.labels[row[90001]] == result.labels[row[90002]])
    True
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lealtad.matching import blocking, clustering
from lealtad.matching import fellegi_sunter as fs
from lealtad.matching.blocking import Candidates, Rule
from lealtad.matching.comparisons import compare
from lealtad.matching.fellegi_sunter import Model
from lealtad.matching.records import Records
from lealtad.matching.training import CHUNK, Progress, quiet


@dataclass
class DedupeResult:
    """Pairs scored above ``report_threshold``, and clusters of those above ``threshold``."""

    records: Records
    model: Model
    threshold: float
    i: np.ndarray
    j: np.ndarray
    weight: np.ndarray
    probability: np.ndarray
    top: np.ndarray  # comparison index of the strongest evidence
    top_level: np.ndarray
    top_weight: np.ndarray
    labels: np.ndarray
    candidates: int
    per_rule: dict[str, int]
    timings: dict[str, float] = field(default_factory=dict)

    def explain(self, k: int) -> str:
        c = self.model.comparisons[int(self.top[k])]
        return f"{c.name}: {c.labels[int(self.top_level[k])]} ({float(self.top_weight[k]):+.1f})"

    def cluster_members(self) -> list[np.ndarray]:
        return clustering.members(self.labels)

    def summary(self) -> dict[str, Any]:
        sizes = [len(c) for c in self.cluster_members()]
        return {
            "records": len(self.records),
            "candidate_pairs": self.candidates,
            "pairs_reported": len(self.i),
            "pairs_linked": int((self.probability >= self.threshold).sum()),
            "clusters": len(sizes),
            "customers_in_clusters": int(sum(sizes)),
            "largest_cluster": max(sizes, default=0),
            "seconds": self.timings,
        }


# The order comparisons are computed in when scoring candidates: cheap tests first (codes,
# dates, surnames from a small vocabulary), then given names and street (string similarities
# over larger vocabularies), last the values
# nearly everyone has their own of (ids, emails: a string distance per pair, the costliest).
# After each stage, pairs that can no longer reach the report threshold are dropped.
STAGES: tuple[tuple[str, ...], ...] = (
    ("birth_date", "surnames", "phone", "postcode", "city"),
    ("given_name", "street"),
    ("national_id", "other_id", "email"),
)


def _stages(model: Model) -> list[list[int]]:
    names = [c.name for c in model.comparisons]
    listed = {name for stage in STAGES for name in stage}
    out = [[k for k, name in enumerate(names) if name in stage] for stage in STAGES]
    out[0] += [k for k, name in enumerate(names) if name not in listed]
    return [stage for stage in out if stage]


def _best_weight(model: Model, weights: list[np.ndarray], k: int, tf: list[np.ndarray]) -> float:
    """The most a comparison can add to a pair's weight (term frequencies included)."""
    c = model.comparisons[k]
    best = float(weights[k].max())
    if c.tf_levels and len(tf[k]):
        best += max(0.0, float(tf[k].max()))
    return max(0.0, best)


def _levels_that_matter(
    records: Records,
    model: Model,
    i: np.ndarray,
    j: np.ndarray,
    tf: list[np.ndarray],
    floor: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Levels of the pairs whose match weight can still reach ``floor``, and which those are.

    Comparisons are computed stage by stage (:data:`STAGES`); after each, a pair is dropped
    when even the best levels of the comparisons still to come could not lift it to
    ``floor``. Most candidates of a big base (namesakes born the same year, neighbours)
    are dropped before their ids and emails are compared. The household term only lowers
    a weight, so the bound holds for the final score too.
    """
    comparisons = model.comparisons
    levels = np.zeros((len(i), len(comparisons)), dtype=np.int8)
    rows = np.arange(len(i))
    if not np.isfinite(floor):
        return compare(records, i, j, comparisons), rows
    weights = model.level_weights()
    stages = _stages(model)
    bound = np.full(len(i), model.prior_weight)
    bound += sum(_best_weight(model, weights, k, tf) for stage in stages for k in stage)
    for stage in stages:
        a, b = i[rows], j[rows]
        columns = np.array(stage, dtype=np.int64)
        levels[np.ix_(rows, columns)] = compare(records, a, b, tuple(comparisons[k] for k in stage))
        for k in stage:
            gained = fs.comparison_weight(model, weights, k, records, a, levels[rows, k], tf)
            bound[rows] += gained - _best_weight(model, weights, k, tf)
        rows = rows[bound[rows] >= floor]
    return levels[rows], rows


def score_candidates(
    records: Records,
    model: Model,
    cands: Candidates,
    report_threshold: float,
    chunk: int = CHUNK,
) -> dict[str, np.ndarray]:
    """Score the candidates chunk by chunk, keeping pairs at or above ``report_threshold``."""
    tf = fs.term_adjustments(records, model.comparisons)
    kept: dict[str, list[np.ndarray]] = {
        k: [] for k in ("i", "j", "weight", "probability", "top", "top_level", "top_weight")
    }
    p = min(max(report_threshold, 0.0), 1.0)
    floor = math.log2(p / (1 - p)) if 0 < p < 1 else (-math.inf if p <= 0 else math.inf)
    for start in range(0, len(cands), chunk):
        i, j = cands.i[start : start + chunk], cands.j[start : start + chunk]
        levels, rows = _levels_that_matter(records, model, i, j, tf, floor)
        i, j = i[rows], j[rows]
        s = fs.score(model, records, i, j, levels=levels, tf=tf)
        keep = np.nonzero(s.probability >= report_threshold)[0]
        parts = s.parts[keep]
        top = np.argmax(np.abs(parts), axis=1) if len(keep) else np.zeros(0, dtype=np.int64)
        rows = np.arange(len(keep))
        kept["i"].append(i[keep])
        kept["j"].append(j[keep])
        kept["weight"].append(s.weight[keep])
        kept["probability"].append(s.probability[keep])
        kept["top"].append(top.astype(np.int8))
        kept["top_level"].append(s.levels[keep][rows, top])
        kept["top_weight"].append(parts[rows, top])
    empty = {"i": np.int64, "j": np.int64, "top": np.int8, "top_level": np.int8}
    return {
        k: np.concatenate(v) if v else np.zeros(0, dtype=empty.get(k, np.float64))
        for k, v in kept.items()
    }


def dedupe(
    records: Records,
    model: Model,
    threshold: float = 0.99,
    report_threshold: float | None = None,
    rules: Sequence[Rule] = blocking.DEFAULT_RULES,
    window: int = 6,
    max_cluster: int = 50,
    progress: Progress = quiet,
) -> DedupeResult:
    """Candidate pairs, their scores, and clusters of pairs with probability ≥ ``threshold``."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    progress("blocking")
    cands = blocking.candidates(records, rules, window=window)
    timings["blocking"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    progress(f"scoring {len(cands):,} candidate pairs")
    low = threshold if report_threshold is None else min(report_threshold, threshold)
    kept = score_candidates(records, model, cands, low)
    timings["scoring"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    progress("clustering")
    linked = kept["probability"] >= threshold
    labels = clustering.clusters(
        len(records), kept["i"][linked], kept["j"][linked], kept["weight"][linked], max_cluster
    )
    timings["clustering"] = time.perf_counter() - t2
    return DedupeResult(
        records=records,
        model=model,
        threshold=threshold,
        labels=labels,
        candidates=len(cands),
        per_rule=cands.per_rule,
        timings={k: round(v, 3) for k, v in timings.items()},
        **kept,
    )
