"""Seed 003's value tiers: whom to keep, whom to grow, whom not to spend on.

* ``mvc`` — most valuable customers: the top ``mvc_share`` (20 %) of buying customers by
  value (lifetime value where it is known, else what they bought). Keep them: one-to-one
  attention, first in the queue.
* ``mgc`` — most growable customers: still active (P(alive) ≥ ``mgc_min_p_alive``) and
  expected to be worth clearly more than today (predicted value ≥ ``mgc_min_growth`` x
  current value), the top ``mgc_share`` of buying customers by that headroom (predicted -
  current, in money). Develop them: cross-sell, up-sell, a second channel. Without a share of
  wallet in the data, the forecast's headroom stands in for the wallet not yet won.
* ``below_zero`` — the margin they brought minus their cost to serve is below
  ``below_zero_under`` (0): every contact loses money. Spend nothing extra on them; serve
  them through the cheapest channel.
* ``regular`` — everyone else who bought.
* ``unknown`` — never bought: no value to judge yet.

A customer gets the first tier that applies in the order unknown, below_zero, mvc, mgc,
regular, so the tiers never overlap. Ties at a share's boundary all go in (equal values,
equal tier), so a share can be exceeded by the size of the tie.

``migrations`` counts customers from each tier to each tier between two refreshes (the monthly
migration matrix) and ``migrants`` marks those who moved.

Examples:
    >>> tiers = assign_tiers(
    ...     value=[500.0, 80.0, 60.0, 40.0, 0.0], margin=[150.0, 20.0, 5.0, 12.0, 0.0],
    ...     cost_to_serve=[30.0, 4.0, 25.0, 2.0, 0.0], purchased=[True, True, True, True, False],
    ...     predicted_value=[480.0, 90.0, 30.0, 120.0, 0.0],
    ...     current_value=[500.0, 80.0, 60.0, 40.0, 0.0], p_alive=[0.9, 0.8, 0.4, 0.95, 0.0])
    >>> tiers.codes.tolist()
    ['mvc', 'regular', 'below_zero', 'mgc', 'unknown']
    >>> migrations(["regular", "mgc", "mvc"], ["mvc", "mgc", "mvc"])[TIERS.index("regular")]
    array([1, 0, 0, 0, 0])
    >>> migrants(["regular", "mgc", ""], ["mvc", "mgc", "unknown"]).tolist()
    [True, False, False]
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from lealtad.customer_value._columns import Flags, Floats, Ints, floats, note, same_length, usable

TIERS: tuple[str, ...] = ("mvc", "mgc", "regular", "below_zero", "unknown")
"""The tier codes, in the order of the migration matrix's rows and columns."""

Codes = NDArray[np.str_]


@dataclass(frozen=True)
class TierRules:
    """The thresholds a manager may change (see docs/analytics-value.md)."""

    mvc_share: float = 0.20
    mgc_share: float = 0.20
    mgc_min_growth: float = 1.25
    mgc_min_p_alive: float = 0.5
    below_zero_under: float = 0.0

    def __post_init__(self) -> None:
        values = asdict(self)
        for name, value in values.items():
            if not np.isfinite(value):
                raise ValueError(f"{name}: must be a number (got {value!r})")
        for name in ("mvc_share", "mgc_share", "mgc_min_p_alive"):
            if not 0 <= values[name] <= 1:
                raise ValueError(f"{name}: must be between 0 and 1 (got {values[name]!r})")
        if self.mgc_min_growth < 1:
            raise ValueError("mgc_min_growth: must be at least 1 (growth, not decline)")


@dataclass(frozen=True)
class Tiers:
    """Per customer, a code of :data:`TIERS`; the value and headroom from which a customer is
    in ``mvc`` / ``mgc`` (for the page that explains the rule); input problems."""

    codes: Codes
    mvc_from: float
    mgc_from: float
    warnings: list[str] = field(default_factory=list)


def assign_tiers(
    *,
    value: ArrayLike,
    margin: ArrayLike,
    cost_to_serve: ArrayLike,
    purchased: ArrayLike,
    predicted_value: ArrayLike | None = None,
    current_value: ArrayLike | None = None,
    p_alive: ArrayLike | None = None,
    rules: TierRules | None = None,
) -> Tiers:
    """The tier of each customer (the module says what each tier means).

    Args:
        value: what ranks customers for ``mvc`` (the lifetime value, or spend to date when no
            model could be fitted).
        margin: the margin the customer brought over the period the cost covers.
        cost_to_serve: the cost over that period (:func:`cost_to_serve.cost_to_serve`).
        purchased: who ever bought (the others are ``unknown``).
        predicted_value, current_value: forecast and actual value over equal horizons (say the
            next and the last 12 months); without them nobody is ``mgc``.
        p_alive: the chance the customer is still active (1 when not given).
        rules: the thresholds.

    Values that are not numbers are read as 0 (P(alive) as 0), and noted in ``warnings``.

    Raises:
        ValueError: columns of different lengths.
    """
    rules = rules or TierRules()
    warnings: list[str] = []
    worth, bought, profit = _standing(value, purchased, margin, cost_to_serve, warnings)
    below = bought & (profit < rules.below_zero_under)
    mvc_from = _top_share_from(worth[bought], rules.mvc_share)
    mvc = bought & ~below & (worth >= mvc_from) & (worth > 0)
    growth, mgc_from = _growth(
        predicted_value,
        current_value,
        p_alive,
        eligible=bought & ~below & ~mvc,
        slots=int(np.ceil(rules.mgc_share * np.count_nonzero(bought) - 1e-9)),
        rules=rules,
        warnings=warnings,
    )
    codes = _codes(bought, below, mvc, growth)
    return Tiers(codes, mvc_from, mgc_from, warnings)


def _standing(
    value: ArrayLike,
    purchased: ArrayLike,
    margin: ArrayLike,
    cost_to_serve: ArrayLike,
    warnings: list[str],
) -> tuple[Floats, Flags, Floats]:
    """The value, who bought and the profit (margin minus cost to serve), checked to be of
    one length."""
    worth = _column(value, "value", warnings)
    bought = np.asarray(purchased, dtype=bool).ravel()
    brought = _column(margin, "margin", warnings)
    cost = _column(cost_to_serve, "cost_to_serve", warnings)
    same_length(value=worth, purchased=bought, margin=brought, cost_to_serve=cost)
    return worth, bought, brought - cost


def _codes(bought: Flags, below: Flags, mvc: Flags, growth: Flags) -> Codes:
    """Set from the last tier to the first that applies, so the first one wins."""
    codes = np.full(bought.size, "regular", dtype="U10")
    codes[growth] = "mgc"
    codes[mvc] = "mvc"
    codes[below] = "below_zero"
    codes[~bought] = "unknown"
    return codes


def _column(values: ArrayLike, name: str, warnings: list[str]) -> Floats:
    column = floats(values, name)
    bad = ~usable(column)
    note(warnings, bad, f"{name} value(s) not a number were read as 0")
    return np.where(bad, 0.0, column)


def _top_share_from(values: Floats, share: float) -> float:
    """The smallest value still in the top ``share`` (inf when the share holds nobody)."""
    count = int(np.ceil(share * values.size - 1e-9))
    if count <= 0 or values.size == 0:
        return float("inf")
    return float(np.partition(values, values.size - count)[values.size - count])


def _growth(
    predicted: ArrayLike | None,
    current: ArrayLike | None,
    p_alive: ArrayLike | None,
    *,
    eligible: Flags,
    slots: int,
    rules: TierRules,
    warnings: list[str],
) -> tuple[Flags, float]:
    """Who is ``mgc`` (the ``slots`` biggest headrooms among the candidates, ties in) and the
    headroom from which they are (inf when nobody is, or no forecast is given)."""
    size = eligible.size
    if predicted is None or current is None or slots <= 0:
        return np.zeros(size, dtype=bool), float("inf")
    forecast = _column(predicted, "predicted_value", warnings)
    today = np.maximum(_column(current, "current_value", warnings), 0.0)
    alive = np.ones(size) if p_alive is None else _column(p_alive, "p_alive", warnings)
    same_length(predicted_value=forecast, current_value=today, p_alive=alive, value=eligible)
    headroom = forecast - today
    candidate = (
        eligible
        & (alive >= rules.mgc_min_p_alive)
        & (headroom > 0)
        & (forecast >= rules.mgc_min_growth * today)
    )
    ranked = headroom[candidate]
    if ranked.size == 0:
        return np.zeros(size, dtype=bool), float("inf")
    last = min(slots, ranked.size) - 1
    threshold = float(-np.partition(-ranked, last)[last])
    return candidate & (headroom >= threshold), threshold


def tier_positions(codes: ArrayLike, name: str) -> Ints:
    """Each code's position in :data:`TIERS` ("" counts as ``unknown``: not tiered yet)."""
    array = np.asarray(codes).astype(str).ravel()
    if array.size == 0:
        return np.zeros(0, np.int64)
    distinct, inverse = np.unique(array, return_inverse=True)
    lookup = {tier: i for i, tier in enumerate(TIERS)} | {"": TIERS.index("unknown")}
    known = np.array([lookup.get(code, -1) for code in distinct.tolist()], dtype=np.int64)
    position = known[inverse.ravel()]
    if (position < 0).any():
        row = int(np.argmax(position < 0))
        raise ValueError(f"{name}: row {row} is {str(array[row])!r}, not one of {', '.join(TIERS)}")
    return position


def migrations(previous: ArrayLike, current: ArrayLike) -> Ints:
    """The migration matrix: ``[i, j]`` customers were in ``TIERS[i]`` and are in
    ``TIERS[j]`` (rows: before, columns: now; the diagonal stayed).

    Raises:
        ValueError: a code not in :data:`TIERS`, or columns of different lengths.
    """
    before = tier_positions(previous, "previous")
    after = tier_positions(current, "current")
    same_length(previous=before, current=after)
    size = len(TIERS)
    counts = np.bincount(before * size + after, minlength=size * size)
    return counts.reshape(size, size).astype(np.int64)


def migrants(previous: ArrayLike, current: ArrayLike) -> Flags:
    """Who changed tier between two refreshes (from "" or ``unknown`` to ``unknown`` is not
    a move).

    Raises:
        ValueError: a code not in :data:`TIERS`, or columns of different lengths.
    """
    before = tier_positions(previous, "previous")
    after = tier_positions(current, "current")
    same_length(previous=before, current=after)
    return before != after
