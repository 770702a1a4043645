"""Training a matching model on a base: the m and u probabilities by EM over training
blocks (several sessions, their median kept), blended with labelled pairs, and the prior
match probability (households kept apart from duplicates). :mod:`~lealtad.matching.pipeline`
scores and clusters with the model trained here."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from lealtad.matching import blocking
from lealtad.matching import fellegi_sunter as fs
from lealtad.matching.blocking import Rule
from lealtad.matching.comparisons import DEFAULT_COMPARISONS, Comparison, compare
from lealtad.matching.fellegi_sunter import Model
from lealtad.matching.records import Records

CHUNK = 1_000_000
MAX_EM_PAIRS = 500_000


@dataclass(frozen=True)
class TrainingBlock:
    """Pairs agreeing on ``rule``; the ``excluded`` comparisons are not estimated there.

    Estimates of several blocks are combined by their median, so one block where a
    comparison happens to be correlated with the block's key does not spoil it.
    ``recall`` says which levels of which comparison every pair of the block is at, and
    which column must be filled for that, to infer how many of all matches the block holds.
    """

    name: str
    rule: Rule
    excluded: tuple[str, ...]
    recall: tuple[str, tuple[int, ...], str]


TRAINING_BLOCKS: tuple[TrainingBlock, ...] = (
    TrainingBlock(
        "same birth date",
        Rule.on("birth date", blocking.birth_date),
        ("birth_date",),
        ("birth_date", (1,), "dob"),
    ),
    TrainingBlock(
        "same postcode",
        Rule.on("postcode", blocking.column("postcode")),
        ("postcode", "city"),
        ("postcode", (1,), "postcode"),
    ),
    TrainingBlock(
        "same first surname",
        Rule.on("surname", blocking.column("sur1")),
        ("surnames", "email"),  # email local parts are often made of the surname
        ("surnames", (1, 2, 3), "sur1"),
    ),
    TrainingBlock(
        "same national id",
        Rule.on("national id", blocking.column("nid")),
        ("national_id",),
        ("national_id", (1,), "nid"),
    ),
    TrainingBlock(
        "same phone",
        Rule.on("phone", blocking.column("phone1")),
        ("phone",),
        ("phone", (1, 2), "phone1"),
    ),
)

# Bounds on m for the personal fields: at least this share of true matches agree exactly,
# at most this share disagree completely. FEBRL3/4, heavily corrupted, show given names
# exact 0.59-0.69 / different 0.12-0.19, birth dates and ids exact >= 0.86 / different <= 0.07.
PERSONAL_BOUNDS: dict[str, tuple[float, float]] = {
    "given_name": (0.5, 0.25),
    "birth_date": (0.6, 0.15),
    "national_id": (0.6, 0.15),
    "other_id": (0.6, 0.15),
}

# A block whose EM finds fewer matches than this teaches nothing about them: its m would
# describe a few coincidences. A comparison no block estimates keeps the neutral m of
# ``Model.untrained`` (matches mostly agree; weights from the base's u).
MIN_EM_MATCHES = 30

Progress = Callable[[str], None]

# How many pairs the estimates from the base count for against each labelled pair.
LABEL_M_STRENGTH = 20.0
LABEL_U_STRENGTH = 1000.0


@dataclass
class Labels:
    """Pairs a person decided: rows ``(i[k], j[k])`` of ``records`` and whether they are one
    person (``match[k]``). ``records`` may be another batch than the one trained on (a
    merged customer is no longer in the base but still labels a match)."""

    records: Records
    i: np.ndarray
    j: np.ndarray
    match: np.ndarray

    def __len__(self) -> int:
        return len(self.i)


def blend(estimate: np.ndarray, levels: np.ndarray, strength: float) -> np.ndarray:
    """``estimate`` counted as ``strength`` pairs, plus the observed ``levels`` (missing
    ones left out), renormalized: labelled pairs as pseudo-observations."""
    counts = np.bincount(levels, minlength=len(estimate)).astype(np.float64)
    counts[0] = 0.0
    if counts.sum() == 0:
        return estimate
    mixed = estimate * strength + counts
    mixed[0] = 0.0
    return mixed / mixed.sum()


def apply_labels(model: Model, labels: Labels) -> dict[str, int]:
    """Blend the levels of labelled matches into m and of labelled non-matches into u."""
    levels = compare(labels.records, labels.i, labels.j, model.comparisons)
    match = labels.match.astype(bool)
    for k in range(len(model.comparisons)):
        if match.any():
            model.m[k] = blend(model.m[k], levels[match, k], LABEL_M_STRENGTH)
        if (~match).any():
            model.u[k] = blend(model.u[k], levels[~match, k], LABEL_U_STRENGTH)
    return {"matches": int(match.sum()), "non_matches": int((~match).sum())}


def quiet(_: str) -> None:
    return None


def _fill_rate(records: Records, column: str) -> float:
    values = records[column]
    if values.dtype == object:
        return float((records.codes(column) > 0).mean()) if len(records) else 0.0
    return float((values != 0).mean()) if len(records) else 0.0


def train(
    records: Records,
    comparisons: tuple[Comparison, ...] = DEFAULT_COMPARISONS,
    blocks: Sequence[TrainingBlock] = TRAINING_BLOCKS,
    u_pairs: int = 400_000,
    seed: int = 1,
    progress: Progress = quiet,
    labels: Labels | None = None,
) -> Model:
    """Estimate u (random pairs), m and λ (EM on the training blocks) from the base, then
    blend in the pairs people decided (``labels``): the levels of confirmed matches into m,
    of confirmed non-matches into u (see :func:`apply_labels`)."""
    started = time.perf_counter()
    model = Model.untrained(comparisons)
    n = len(records)
    if n < 2:
        return model
    progress("estimating u from random pairs")
    u_pairs = min(u_pairs, max(100_000, 25 * n))  # enough for u ≈ 1/n, no more
    model.u = fs.estimate_u(records, comparisons, max_pairs=u_pairs, seed=seed)
    rng = np.random.default_rng(seed)
    estimates, sessions = _em_sessions(records, model, blocks, rng, progress)
    _take_median_m(model, estimates)
    used = {"matches": 0, "non_matches": 0}
    if labels is not None and len(labels):
        progress(f"blending in {len(labels):,} labelled pairs")
        used = apply_labels(model, labels)
    model.lam = _prior(records, model, sessions, blocks)
    model.lam_household = _household_prior(records, model, rng)
    model.info = _training_info(n, started, used, sessions)
    return model


def _em_sessions(
    records: Records,
    model: Model,
    blocks: Sequence[TrainingBlock],
    rng: np.random.Generator,
    progress: Progress,
) -> tuple[dict[int, list[np.ndarray]], list[fs.Session]]:
    """EM on a sample of each block's pairs: the m of the blocks that found enough matches
    to learn from, per comparison, and every block's session (its λ feeds the prior)."""
    comparisons = model.comparisons
    n = len(records)
    names = [c.name for c in comparisons]
    n_levels = [c.n_levels for c in comparisons]
    estimates: dict[int, list[np.ndarray]] = {k: [] for k in range(len(comparisons))}
    sessions: list[fs.Session] = []
    bounds = {k: PERSONAL_BOUNDS[x] for k, x in enumerate(names) if x in PERSONAL_BOUNDS}
    household = [c.shared_levels for c in comparisons]
    for block in blocks:
        progress(f"EM on pairs with the {block.name}")
        pairs, block_pairs = blocking.block_sample(records, block.rule, MAX_EM_PAIRS, rng)
        if len(pairs) < 50:
            continue
        i, j = pairs // n, pairs % n
        levels = compare(records, i, j, comparisons)
        active = [k for k, name in enumerate(names) if name not in block.excluded]
        lam, m, iterations, lam_h = fs.expectation_maximisation(
            levels, n_levels, model.u, active, bounds=bounds, household=household
        )
        if lam * len(pairs) >= MIN_EM_MATCHES:  # else EM had no matches to learn from
            for k, values in m.items():
                estimates[k].append(values)
        sessions.append(fs.Session(block.name, len(pairs), block_pairs, lam, m, iterations, lam_h))
    return estimates, sessions


def _take_median_m(model: Model, estimates: dict[int, list[np.ndarray]]) -> None:
    """The median of the blocks' m, so one block where a comparison is correlated with the
    block's key does not spoil it; a comparison no block estimated keeps its neutral m."""
    for k, found in estimates.items():
        if found:
            median = np.median(found, axis=0)
            model.m[k] = median / median.sum()


def _training_info(
    n: int, started: float, used: dict[str, int], sessions: list[fs.Session]
) -> dict[str, Any]:
    return {
        "records": n,
        "seconds": round(time.perf_counter() - started, 2),
        "labels": used,
        "sessions": [
            {
                "block": s.name,
                "pairs": s.pairs,
                "block_pairs": s.block_pairs,
                "lambda_in_block": s.lam,
                "household_share_in_block": s.lam_household,
                "iterations": s.iterations,
            }
            for s in sessions
        ],
    }


def _prior(
    records: Records, model: Model, sessions: list[fs.Session], blocks: Sequence[TrainingBlock]
) -> float:
    """λ: matches found in each block divided by the share of all matches a block can hold.

    The smallest of the blocks' estimates: a block's EM can only take look-alikes for
    matches (in a base with no duplicates, the coincidences of a big block are all it
    finds), which inflates its estimate; the least inflated is the best guess. On bases
    with duplicates the blocks agree within a few per cent (FEBRL, the synthetic base).
    """
    n = len(records)
    total_pairs = n * (n - 1) / 2
    by_name = {b.name: b for b in blocks}
    index = {c.name: k for k, c in enumerate(model.comparisons)}
    logs = []
    for s in sessions:
        name, levels, column = by_name[s.name].recall
        m = model.m[index[name]]
        recall = float(m[list(levels)].sum()) * _fill_rate(records, column) ** 2
        if recall <= 0.1:  # a block that can hold few of the matches says little of all
            continue
        matches = s.lam * s.block_pairs / recall
        logs.append(math.log(max(matches, 1.0) / total_pairs))
    guess = math.exp(min(logs)) if logs else 1.0 / total_pairs
    return float(min(max(guess, 1e-12), 0.5))


HOUSEHOLD_BLOCK = Rule.on("home address", blocking.column("street"), blocking.column("number"))


def _evident_housemates(records: Records, model: Model, i: np.ndarray, j: np.ndarray) -> int:
    """How many pairs share a first surname or a landline but neither a given name nor a
    birth date: plainly two people of one family."""
    by_name = {c.name: c for c in model.comparisons}
    chosen = tuple(by_name[x] for x in ("surnames", "phone", "given_name", "birth_date"))
    sur, phone, given, born = compare(records, i, j, chosen).T
    family = np.isin(sur, (1, 2, 3)) | (phone == 2)
    apart = (given == chosen[2].n_levels - 1) & (born == chosen[3].n_levels - 1)
    return int((family & apart).sum())


def _household_prior(records: Records, model: Model, rng: np.random.Generator) -> float:
    """λ_household, the chance that two random customers are two people of one home.

    Counted, not fitted: among the pairs at one street and number, those who share a first
    surname or a landline but neither a given name nor a birth date are plainly two people
    of one household — beyond as many as strangers show by chance (random pairs tell how
    many). Their number, over the share of households' pairs such a count can see (both
    with an address, a given name and a birth date), estimates all of them. A base without
    households (FEBRL, a list of strangers) gets 0: no household guard.
    """
    n = len(records)
    if not {"surnames", "phone", "given_name", "birth_date"} <= {c.name for c in model.comparisons}:
        return 0.0
    pairs, block_pairs = blocking.block_sample(records, HOUSEHOLD_BLOCK, MAX_EM_PAIRS, rng)
    if len(pairs) == 0:
        return 0.0
    evident = _evident_housemates(records, model, pairs // n, pairs % n)
    ri, rj = fs.random_pairs(n, 200_000, rng)
    expected = _evident_housemates(records, model, ri, rj) / max(1, len(ri)) * len(pairs)
    excess = evident - expected
    if excess <= 3 * math.sqrt(expected) + 5:
        return 0.0
    seen = (
        _fill_rate(records, "street") * _fill_rate(records, "given") * _fill_rate(records, "dob")
    ) ** 2
    housemates = excess / len(pairs) * block_pairs / max(seen, 0.01)
    return float(min(max(housemates / (n * (n - 1) / 2), 1e-12), 0.5))
