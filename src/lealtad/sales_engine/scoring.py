"""Lead scoring: the chance an open lead converts, explained, calibrated and bounded.

Why a regularised logistic regression on standardised features: with the few thousand leads
a company has, it ranks about as well as anything heavier, its probabilities are calibrated
by construction (it minimises log-loss), and its explanation is exact. The log-odds is
``intercept + Σ coef·z`` with every feature ``z`` standardised to the history's mean, so
``coef·z`` is how far that factor moves this lead away from the average lead, and the parts
add up to the score (no sampling as with SHAP).

Odoo's predictive scoring fails in three ways this module is built against:

* it shows 0% and 100% for leads still open. A lead that is open is undecided: a score of
  0% tells a rep to drop a lead nobody has lost, 100% to stop working one nobody has won,
  and the model's extremes come from extrapolating past what history covers. Every score is
  clipped to ``[FLOOR, CEILING]`` and says when it was;
* with little history, or history of one outcome only, it still fits and shows noise. Below
  ``Settings.min_examples`` examples, or ``Settings.min_per_outcome`` of either outcome, the
  scorer falls back to the stage weight (the probability configured on the lead's pipeline
  stage) and says which it used and why;
* nobody can check it. :func:`calibration` gives the Brier score and a reliability table,
  :func:`monthly_brier` the report per month of (month, predicted, outcome) rows.

Examples:
    >>> history = [Example(LeadFeatures(visits=v), v > 3) for v in range(8)] * 30
    >>> scorer = fit(history)
    >>> scorer.method, scorer.score(LeadFeatures(visits=7), 0.2).probability > 0.5
    ('model', True)
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

import numpy as np
from numpy.typing import NDArray

FLOOR = 0.01
CEILING = 0.99
MODEL: Literal["model"] = "model"
STAGE_WEIGHT: Literal["stage_weight"] = "stage_weight"
TOO_LITTLE_HISTORY = "too_little_history"
ONE_OUTCOME_HISTORY = "one_outcome_history"
NUMERIC = (
    "visits",
    "emails_opened",
    "days_since_touch",
    "rule_points",
    "has_company",
    "known_customer",
)
LOG_SCALED = frozenset({"visits", "emails_opened", "days_since_touch"})
SOURCE = "source"
Floats = NDArray[np.float64]


@dataclass(frozen=True)
class LeadFeatures:
    """What is known about a lead, in the words the UI shows. ``rule_points`` is the sum the
    configured scoring rules gave it (job title, industry, country...); the rest is behaviour.
    Counts act in proportion (the tenth visit says less than the second), so they enter the
    model as ``log1p``."""

    visits: int = 0
    emails_opened: int = 0
    days_since_touch: int = 0
    rule_points: int = 0
    has_company: bool = False
    known_customer: bool = False
    source: str = "unknown"  # web_form, event, campaign, telemarketing, import...


@dataclass(frozen=True)
class Example:
    """A closed lead from history: its features when it was open, and whether it converted."""

    features: LeadFeatures
    converted: bool


@dataclass(frozen=True)
class Settings:
    """``regularization`` is scikit-learn's ``C`` (inverse L2 strength): small, because a
    few hundred leads must not make a factor look decisive."""

    min_examples: int = 200
    min_per_outcome: int = 20
    regularization: float = 0.5
    top_factors: int = 3


@dataclass(frozen=True)
class Factor:
    """One reason for a score. ``key`` is a feature name the UI translates ("visits",
    "source"...), ``value`` the lead's value as text, ``contribution`` the signed log-odds
    shift against the average lead in history (positive raises the chance)."""

    key: str
    value: str
    contribution: float


@dataclass(frozen=True)
class Score:
    """``method`` says what produced the probability: the fitted model, or the stage weight
    with ``reason`` saying why (``TOO_LITTLE_HISTORY`` or ``ONE_OUTCOME_HISTORY``).
    ``clipped`` is true when the raw value lay outside ``[FLOOR, CEILING]``."""

    probability: float
    method: Literal["model", "stage_weight"]
    reason: str
    clipped: bool
    factors: tuple[Factor, ...] = ()


@dataclass
class LeadScorer:
    """The result of :func:`fit`: a model, or the stage-weight fallback and its reason."""

    method: Literal["model", "stage_weight"]
    reason: str
    sources: tuple[str, ...] = ()
    mean: Floats = field(default_factory=lambda: np.zeros(0))
    scale: Floats = field(default_factory=lambda: np.ones(0))
    coef: Floats = field(default_factory=lambda: np.zeros(0))
    intercept: float = 0.0
    top_factors: int = 3

    def score(self, lead: LeadFeatures, stage_probability: float | Decimal) -> Score:
        """The score of one open lead; ``stage_probability`` (0..1, the pipeline stage's
        configured probability) is used only by the fallback."""
        return self.score_many([lead], [stage_probability])[0]

    def score_many(
        self, leads: Sequence[LeadFeatures], stage_probabilities: Sequence[float | Decimal]
    ) -> list[Score]:
        """Scores for many open leads at once (one matrix product for the lot)."""
        if len(leads) != len(stage_probabilities):
            raise ValueError("stage_probabilities: one per lead is needed")
        if self.method == STAGE_WEIGHT:
            return [_stage_score(p, self.reason) for p in stage_probabilities]
        z = (_encode(leads, self.sources) - self.mean) / self.scale
        parts = z * self.coef
        raw = _sigmoid(self.intercept + parts.sum(axis=1))
        by_key = np.column_stack([parts[:, : len(NUMERIC)], parts[:, len(NUMERIC) :].sum(axis=1)])
        keys = np.array([*NUMERIC, SOURCE])
        by_name = np.argsort(keys)  # ties in size are broken by name, for a stable order
        ranked = by_name[np.argsort(-np.abs(by_key[:, by_name]), axis=1, kind="stable")]
        top = ranked[:, : self.top_factors]
        names = keys[top].tolist()  # plain Python values: numpy scalars are slow one by one
        sizes = np.round(np.take_along_axis(by_key, top, axis=1), 4).tolist()
        return [
            _model_score(lead, p, factor_keys, contributions)
            for lead, p, factor_keys, contributions in zip(
                leads, raw.tolist(), names, sizes, strict=True
            )
        ]


def _model_score(
    lead: LeadFeatures, raw: float, keys: list[str], contributions: list[float]
) -> Score:
    factors = tuple(
        Factor(key, _value(lead, key), c) for key, c in zip(keys, contributions, strict=True)
    )
    probability, clipped = bound(raw)
    return Score(probability, MODEL, "", clipped, factors)


def fit(history: Sequence[Example], settings: Settings | None = None) -> LeadScorer:
    """A scorer learned from closed leads, or the stage-weight fallback when history is too
    small or too one-sided to learn from (the scorer says which and why)."""
    settings = settings or Settings()
    converted = sum(1 for e in history if e.converted)
    if len(history) < settings.min_examples:
        return LeadScorer(STAGE_WEIGHT, TOO_LITTLE_HISTORY)
    if min(converted, len(history) - converted) < settings.min_per_outcome:
        return LeadScorer(STAGE_WEIGHT, ONE_OUTCOME_HISTORY)
    from sklearn.linear_model import LogisticRegression

    sources = tuple(sorted({e.features.source for e in history}))
    x = _encode([e.features for e in history], sources)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    y = np.fromiter((e.converted for e in history), dtype=np.int64, count=len(history))
    learner = LogisticRegression(C=settings.regularization, max_iter=2000, random_state=0)
    learner.fit((x - mean) / scale, y)
    return LeadScorer(
        MODEL,
        "",
        sources,
        mean,
        scale,
        learner.coef_[0].astype(np.float64),
        float(learner.intercept_[0]),
        settings.top_factors,
    )


def bound(probability: float) -> tuple[float, bool]:
    """The probability held inside ``[FLOOR, CEILING]``, and whether it had to be moved."""
    if math.isnan(probability):
        raise ValueError("probability: not a number")
    held = min(max(probability, FLOOR), CEILING)
    return held, held != probability


def _stage_score(stage_probability: float | Decimal, reason: str) -> Score:
    value = float(stage_probability)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"stage_probability: {stage_probability} is not between 0 and 1")
    probability, clipped = bound(value)
    return Score(probability, STAGE_WEIGHT, reason, clipped)


def _encode(leads: Sequence[LeadFeatures], sources: Sequence[str]) -> Floats:
    """One column per numeric feature (counts as ``log1p``), then one per source seen in
    history; a source unseen in history encodes as all zeros (the average source)."""
    n = len(leads)
    x = np.zeros((n, len(NUMERIC) + len(sources)))
    for i, name in enumerate(NUMERIC):
        column = np.fromiter((getattr(lead, name) for lead in leads), np.float64, count=n)
        if name in LOG_SCALED:
            negative = np.flatnonzero(column < 0)
            if negative.size:
                row = int(negative[0])
                raise ValueError(f"{name}: {column[row]:g} is negative (lead {row})")
            column = np.log1p(column)
        x[:, i] = column
    position = {source: len(NUMERIC) + i for i, source in enumerate(sources)}
    seen = [
        (row, position[lead.source]) for row, lead in enumerate(leads) if lead.source in position
    ]
    if seen:
        rows, columns = zip(*seen, strict=True)
        x[list(rows), list(columns)] = 1.0
    return x


def _value(lead: LeadFeatures, key: str) -> str:
    value = getattr(lead, key)
    return str(value).lower() if isinstance(value, bool) else str(value)


def _sigmoid(t: Floats) -> Floats:
    return 1.0 / (1.0 + np.exp(-np.clip(t, -500, 500)))


@dataclass(frozen=True)
class ReliabilityBin:
    """Leads whose predicted chance fell in ``[lower, upper)``: how many, the mean
    prediction and the share that converted. Calibrated: the two are close."""

    lower: float
    upper: float
    count: int
    mean_predicted: float
    observed_rate: float


@dataclass(frozen=True)
class Calibration:
    """``brier`` is the mean squared gap between prediction and outcome (0 is perfect);
    ``reference`` the Brier of always predicting the base rate, the bar a model must beat."""

    count: int
    brier: float
    base_rate: float
    reference: float
    bins: tuple[ReliabilityBin, ...]


def calibration(
    predicted: Sequence[float], outcomes: Sequence[bool], bins: int = 10
) -> Calibration:
    """The Brier score and reliability table of predictions against what happened."""
    if len(predicted) != len(outcomes):
        raise ValueError("outcomes: one per prediction is needed")
    if not predicted:
        raise ValueError("predicted: no predictions to check")
    if bins < 1:
        raise ValueError("bins: at least one bin")
    p = np.asarray(predicted, dtype=np.float64)
    if np.any((p < 0) | (p > 1)) or np.any(np.isnan(p)):
        raise ValueError("predicted: every prediction must be between 0 and 1")
    y = np.asarray(outcomes, dtype=np.float64)
    base = float(y.mean())
    index = np.minimum((p * bins).astype(np.int64), bins - 1)
    table = tuple(
        ReliabilityBin(i / bins, (i + 1) / bins, int(n), float(p[m].mean()), float(y[m].mean()))
        for i in range(bins)
        if (n := int((m := index == i).sum()))
    )
    return Calibration(
        len(p), float(np.mean((p - y) ** 2)), base, float(np.mean((base - y) ** 2)), table
    )


@dataclass(frozen=True)
class MonthlyBrier:
    """One row of the monthly report; ``month`` is the first day of the month."""

    month: date
    count: int
    brier: float
    base_rate: float
    mean_predicted: float


def monthly_brier(rows: Iterable[tuple[date, float, bool]]) -> list[MonthlyBrier]:
    """The Brier score per month of (month, predicted, outcome) rows, oldest month first;
    a row's month is the month of its date (the day the lead closed)."""
    grouped: dict[date, tuple[list[float], list[bool]]] = defaultdict(lambda: ([], []))
    for day, chance, outcome in rows:
        bucket = grouped[day.replace(day=1)]
        bucket[0].append(chance)
        bucket[1].append(outcome)
    report = []
    for month in sorted(grouped):
        predicted, outcomes = grouped[month]
        checked = calibration(predicted, outcomes, bins=1)
        mean_predicted = sum(predicted) / len(predicted)
        report.append(
            MonthlyBrier(month, checked.count, checked.brier, checked.base_rate, mean_predicted)
        )
    return report
