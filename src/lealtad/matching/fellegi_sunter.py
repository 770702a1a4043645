"""The Fellegi-Sunter model: m and u per comparison level, estimated without labels.

For a comparison level ``l``, ``m[l]`` is the chance a true match shows it and ``u[l]`` the
chance a non-match does; ``log2(m/u)`` is the level's match weight, and the weights of a pair's
comparisons add up (with the prior odds ``λ/(1-λ)`` that two random records match) to its
match weight, whose logistic is the match probability.

* ``u`` comes from random pairs of the base (virtually all non-matches).
* ``m`` comes from expectation maximisation on the pairs of a few training blocks (same birth
  date, same postcode, same surname), holding ``u`` fixed; a comparison that defines the block
  is left out of that block's estimate, as every pair there agrees on it. Estimates of the
  blocks are averaged, and ``λ`` follows from how many matches each block holds and how
  many of all matches it can hold.
* A match on a common value is worth less than on a rare one: exact agreement on names,
  postcode and city is adjusted by the value's frequency (term frequency adjustment), so
  "García" counts for less than "Quishpe".
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from lealtad.matching.comparisons import BY_NAME, DEFAULT_COMPARISONS, Comparison, compare
from lealtad.matching.records import Records

FORMAT = "lealtad-fellegi-sunter/1"
_EPS = 1e-6


@dataclass
class Model:
    """Estimated parameters: per comparison, ``m`` and ``u`` per level (index 0 unused)."""

    comparisons: tuple[Comparison, ...] = DEFAULT_COMPARISONS
    m: list[np.ndarray] = field(default_factory=list)
    u: list[np.ndarray] = field(default_factory=list)
    lam: float = 1e-4
    info: dict[str, Any] = field(default_factory=dict)
    lam_household: float = 0.0

    @classmethod
    def untrained(cls, comparisons: tuple[Comparison, ...] = DEFAULT_COMPARISONS) -> Model:
        """Neutral starting values: m decreasing with the level, u increasing."""
        m = [_initial_m(c.n_levels) for c in comparisons]
        u = [_initial_u(c.n_levels) for c in comparisons]
        return cls(comparisons, m, u)

    # Weights ---------------------------------------------------------------------------

    def level_weights(self) -> list[np.ndarray]:
        """``log2(m/u)`` per comparison and level (0 for the "missing" level)."""
        out = []
        for m, u in zip(self.m, self.u, strict=True):
            w = np.log2(np.maximum(m, _EPS) / np.maximum(u, _EPS))
            w[0] = 0.0
            out.append(w)
        return out

    @property
    def prior_weight(self) -> float:
        return float(np.log2(self.lam / (1 - self.lam)))

    @property
    def household_prior_weight(self) -> float | None:
        """``log2(λ / λ_household)``: the odds of "one person" against "two people of one
        household" before any field is compared (None when the base shows no households)."""
        if self.lam_household <= 0:
            return None
        return float(np.log2(self.lam / self.lam_household))

    # Persistence -----------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "lambda": self.lam,
            "lambda_household": self.lam_household,
            "comparisons": [
                {
                    "name": c.name,
                    "levels": list(c.labels),
                    "m": [round(float(x), 8) for x in m],
                    "u": [round(float(x), 10) for x in u],
                }
                for c, m, u in zip(self.comparisons, self.m, self.u, strict=True)
            ],
            "info": self.info,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Model:
        if data.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} model file")
        comparisons, m, u = [], [], []
        for item in data["comparisons"]:
            comparison = BY_NAME.get(item["name"])
            if comparison is None or len(item["m"]) != comparison.n_levels:
                raise ValueError(f"model comparison {item['name']!r} does not fit this version")
            comparisons.append(comparison)
            m.append(np.array(item["m"], dtype=np.float64))
            u.append(np.array(item["u"], dtype=np.float64))
        return cls(
            tuple(comparisons),
            m,
            u,
            float(data["lambda"]),
            data.get("info", {}),
            float(data.get("lambda_household", 0.0)),
        )

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.to_json(), indent=1), encoding="utf-8")
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> Model:
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")))


def _initial_m(levels: int) -> np.ndarray:
    m = np.array([0.0] + [0.5**k for k in range(levels - 1)])
    m[-1] = min(m[-1], 0.05)
    return m / m.sum()


def _initial_u(levels: int) -> np.ndarray:
    u = np.array([0.0] + [0.1 * 2.0**k for k in range(levels - 1)])
    u[-1] = 1.0
    return u / u.sum()


# u from random pairs ---------------------------------------------------------------------


def random_pairs(n: int, count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    i = rng.integers(0, n, size=count)
    j = rng.integers(0, n, size=count)
    keep = i != j
    return i[keep], j[keep]


def level_shares(
    levels: np.ndarray, n_levels: int, weights: np.ndarray | None = None
) -> np.ndarray:
    """Share of each level among the non-missing ones, lightly smoothed."""
    counts = np.bincount(levels, weights=weights, minlength=n_levels).astype(np.float64)
    counts[0] = 0.0
    counts[1:] += 0.5 if weights is None else 1e-3
    return counts / counts.sum()


def estimate_u(
    records: Records, comparisons: Sequence[Comparison], max_pairs: int = 1_000_000, seed: int = 1
) -> list[np.ndarray]:
    n = len(records)
    total = n * (n - 1) // 2
    i, j = random_pairs(n, int(min(max_pairs, max(total, 1))), np.random.default_rng(seed))
    levels = compare(records, i, j, tuple(comparisons))
    return [level_shares(levels[:, k], c.n_levels) for k, c in enumerate(comparisons)]


# m by expectation maximisation ------------------------------------------------------------


@dataclass
class Session:
    """One EM run over the pairs of a training block."""

    name: str
    pairs: int
    block_pairs: int
    lam: float
    m: dict[int, np.ndarray]
    iterations: int
    lam_household: float = 0.0


def patterns(levels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of a level matrix and how often each occurs, in the order
    ``np.unique(levels, axis=0)`` gives them.

    Each row is read as one mixed-radix number first: ``np.unique`` over rows sorts a
    structured view, and that sort was most of training's time."""
    if levels.ndim != 2 or levels.shape[1] == 0 or len(levels) == 0:
        unique, counts = np.unique(levels, axis=0, return_counts=True)
        return unique, counts.astype(np.float64)
    radix = levels.max(axis=0).astype(np.int64) + 1
    if np.prod(radix.astype(np.float64)) >= 2.0**62 or levels.min() < 0:
        unique, counts = np.unique(levels, axis=0, return_counts=True)
        return unique, counts.astype(np.float64)
    code = np.zeros(len(levels), dtype=np.int64)
    for k in range(levels.shape[1]):
        code = code * radix[k] + levels[:, k].astype(np.int64)
    _codes, first, counts = np.unique(code, return_index=True, return_counts=True)
    return levels[first], counts.astype(np.float64)


def expectation_maximisation(
    levels: np.ndarray,
    n_levels: Sequence[int],
    u: Sequence[np.ndarray],
    active: Sequence[int],
    lam: float = 0.1,
    max_iterations: int = 100,
    tolerance: float = 1e-6,
    bounds: dict[int, tuple[float, float]] | None = None,
    household: Sequence[np.ndarray] | None = None,
) -> tuple[float, dict[int, np.ndarray], int, float]:
    """EM over pairs with ``u`` fixed: returns ``λ`` (within these pairs), m, the number of
    iterations and the share of pairs that are two people of one household.

    Only the ``active`` comparisons (indices) enter the likelihood and get an estimate.
    ``bounds`` limits, per comparison, the share of matches at its "exact" and "different"
    levels (see :func:`constrain`).

    With ``household`` (per comparison, a flag per level: shown by two people of one
    household as often as by a match, see ``Comparison.shared_levels``), a third class is
    fitted beside matches and non-matches: two people of one household, who show those
    levels as a match would (``m``) and the others as strangers do (``u``). It takes no
    parameter of its own but its share, and keeps the pairs of a family (same surnames,
    address and landline, other given name and birth date) from being learnt as what a
    match looks like.
    """
    bounds = bounds or {}
    pats, counts = patterns(levels[:, list(active)] if len(active) else levels[:, :0])
    m = {c: _initial_m(n_levels[c]) for c in active}
    shared = {k: household[c][pats[:, k]] for k, c in enumerate(active)} if household else {}
    three = any(v.any() for v in shared.values()) and any((~v).any() for v in shared.values())
    lam_h = 0.1 if three else 0.0
    total = counts.sum()
    iteration = 0
    for iteration in range(1, max_iterations + 1):  # noqa: B007
        p, p_home = _memberships(pats, active, m, u, shared if three else None, lam, lam_h)
        weight = counts * p
        new_lam = float(np.clip(weight.sum() / total, 1e-9, 1 - 1e-9))
        new_lam_h = float(np.clip((counts * p_home).sum() / total, 1e-9, 1 - 1e-9)) if three else 0
        change = max(abs(new_lam - lam), abs(new_lam_h - lam_h))
        for k, c in enumerate(active):
            w_k = weight + counts * p_home * shared[k] if three else weight
            new = constrain(level_shares(pats[:, k], n_levels[c], w_k), bounds.get(c))
            change = max(change, float(np.abs(new - m[c]).max()))
            m[c] = new
        lam, lam_h = new_lam, new_lam_h
        if change < tolerance:
            break
    return lam, m, iteration, lam_h


def _memberships(
    pats: np.ndarray,
    active: Sequence[int],
    m: dict[int, np.ndarray],
    u: Sequence[np.ndarray],
    shared: dict[int, np.ndarray] | None,
    lam: float,
    lam_h: float,
) -> tuple[np.ndarray, np.ndarray]:
    """EM's expectation step: each pattern's chance of being a match and of being two people
    of one household (zeros when ``shared`` is None: no household class is fitted)."""
    log_bf = np.zeros(len(pats))
    log_bf_home = np.zeros(len(pats))
    for k, c in enumerate(active):
        w = np.log(np.maximum(m[c], _EPS) / np.maximum(u[c], _EPS))
        w[0] = 0.0
        log_bf += w[pats[:, k]]
        if shared is not None:
            log_bf_home += np.where(shared[k], w[pats[:, k]], 0.0)
    # Likelihoods relative to the non-match class, in logs: match, household.
    log_match = np.log(lam) + log_bf
    log_home = np.log(max(lam_h, 1e-300)) + log_bf_home if shared is not None else None
    log_rest = np.log(max(1 - lam - lam_h, 1e-12))
    if log_home is None:
        norm = np.logaddexp(log_match, log_rest)
        p_home = np.zeros(len(pats))
    else:
        norm = np.logaddexp(np.logaddexp(log_match, log_home), log_rest)
        p_home = np.exp(np.clip(log_home - norm, -700, 0))
    p = np.exp(np.clip(log_match - norm, -700, 0))
    return p, p_home


# Below this a share is taken as none: dividing by a subnormal share overflows to infinity.
_TINY = float(np.finfo(float).tiny)


def constrain(m: np.ndarray, bounds: tuple[float, float] | None) -> np.ndarray:
    """m with at least ``bounds[0]`` at the "exact" level and at most ``bounds[1]`` at
    "different", the other levels scaled to make up the rest.

    This is the maximum-likelihood m under those bounds (the counts of the other levels
    keep their proportions). It stops EM from taking, as "matches", a group of people who
    share a surname and a home but not a given name, a birth date or an id: whatever two
    records of one person disagree on, they mostly agree exactly on each of those.
    """
    if bounds is None:
        return m
    floor, ceiling = bounds
    out = m.copy()
    if out[1] < floor:
        rest = float(out[2:].sum())
        out[2:] = out[2:] * ((1 - floor) / rest) if rest > _TINY else (1 - floor) / (len(out) - 2)
        out[1] = floor
    if out[-1] > ceiling:
        middle = float(out[1:-1].sum())
        if middle > _TINY:
            out[1:-1] *= (1 - ceiling) / middle
        else:
            out[1:-1] = (1 - ceiling) / (len(out) - 2)
        out[-1] = ceiling
    return out


def term_adjustments(records: Records, comparisons: Sequence[Comparison]) -> list[np.ndarray]:
    """Per comparison, ``log2(u_exact / frequency)`` for each code of its tf column."""
    out = []
    for c in comparisons:
        if not c.tf_column:
            out.append(np.zeros(0))
            continue
        freq = records.frequencies(c.tf_column)
        u_exact = float((freq**2).sum()) or 1.0
        adj = np.zeros(len(freq))
        seen = freq > 0
        adj[seen] = np.log2(u_exact / freq[seen])
        out.append(adj)
    return out


def comparison_weight(
    model: Model,
    weights: list[np.ndarray],
    k: int,
    records: Records,
    i: np.ndarray,
    levels: np.ndarray,
    tf: list[np.ndarray],
) -> np.ndarray:
    """The weight comparison ``k`` gives pairs at ``levels``, term frequencies included
    (the value of row ``i`` of the pair decides how common the agreement is)."""
    c = model.comparisons[k]
    part = weights[k][levels]
    if c.tf_levels and len(tf[k]):
        hit = np.isin(levels, c.tf_levels)
        part = part.copy()
        part[hit] += tf[k][records.codes(c.tf_column)[i[hit]]]
    return part


@dataclass
class Scores:
    """Scored pairs: total match weight, probability and each comparison's weight."""

    weight: np.ndarray
    probability: np.ndarray
    parts: np.ndarray  # pairs x comparisons, float32
    levels: np.ndarray


def score(
    model: Model,
    records: Records,
    i: np.ndarray,
    j: np.ndarray,
    levels: np.ndarray | None = None,
    tf: list[np.ndarray] | None = None,
) -> Scores:
    """Match weight and probability of pairs of rows ``(i[k], j[k])`` of ``records``.

    ``tf`` holds the term frequency adjustments per code of each comparison's tf column
    (:func:`term_adjustments` of ``records`` when not given).
    """
    if levels is None:
        levels = compare(records, i, j, model.comparisons)
    if tf is None:
        tf = term_adjustments(records, model.comparisons)
    weights = model.level_weights()
    parts = np.empty(levels.shape, dtype=np.float32)
    for k in range(len(model.comparisons)):
        parts[:, k] = comparison_weight(model, weights, k, records, i, levels[:, k], tf)
    total = parts.sum(axis=1, dtype=np.float64) + model.prior_weight
    home = model.household_prior_weight
    if home is not None:
        # One person, or two of one household? Only the fields people of a home do not
        # share can tell: odds = 1 / (1/odds against strangers + 1/odds against a housemate).
        shared = np.zeros(len(levels), dtype=np.float64)
        for k, c in enumerate(model.comparisons):
            if c.household:
                shared += np.where(c.shared_levels[levels[:, k]], parts[:, k], 0.0)
        own = parts.sum(axis=1, dtype=np.float64) - shared + home
        total = -np.logaddexp2(-total, -own)
    probability = 1.0 / (1.0 + np.exp2(-np.clip(total, -60, 60)))
    return Scores(total, probability, parts, levels)


def explain(model: Model, parts: np.ndarray, levels: np.ndarray) -> list[str]:
    """The comparison that drove each pair's score: "surnames: both surnames exact (+9.1)"."""
    out = []
    strongest = np.argmax(np.abs(parts), axis=1)
    for row, k in enumerate(strongest.tolist()):
        c = model.comparisons[k]
        out.append(f"{c.name}: {c.labels[levels[row, k]]} ({parts[row, k]:+.1f})")
    return out
