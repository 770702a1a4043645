"""Churn risk: the chance a customer is leaving, from what every purchase log shows, and why.

The unsupervised score used everywhere (the supervised model in ``churn_model`` needs labels
few bases have). Each signal ``s`` is in [0, 1] and has a weight ``w`` (``ChurnRules``):

=============================  =================================================  ======
driver code                    signal                                             weight
=============================  =================================================  ======
``low_p_alive``                1 - P(alive) (the BG/NBD or Pareto/NBD forecast)   1.0
``long_since_last_purchase``   o² / (o² + h²), o = recency / usual gap, h = 2     0.6
``fewer_purchases_than_usual`` 1 - recent purchases / usual for such a period     0.3
``recent_return``              1 - 0.5^returns (one return: 0.5)                  0.15
``many_contacts``              c / (c + 3), c = contacts and cases lately         0.1
=============================  =================================================  ======

and ``risk = 1 - Π (1 - w·s)``: each signal takes away its share of the chance the customer
stays, independently. So the risk is in [0, 1), it never falls when P(alive) falls or when
days since the last purchase grow (nor when any other signal grows), and it is 0 only when
every signal is. The usual gap is the customer's mean gap between purchase days (the
``lifecycle`` result has it); a customer with one purchase day is compared with the base's
median gap. Each driver's weight is its share of ``-log(1 - risk)`` (the signals' hazards
add up), so the weights of a customer's drivers sum to 1 and say how much each explains.

Bands: ``low`` below ``medium_from`` (0.3), ``high`` from ``high_from`` (0.6), ``medium``
between; ``none`` for who never bought (no risk to speak of).

Examples:
    >>> risk = churn_risk(p_alive=[0.95, 0.2, 0.9], recency_days=[10, 200, 30],
    ...                   usual_gap_days=[30, 40, 0], purchased=[True, True, False])
    >>> risk.risk.round(2).tolist(), risk.band.tolist()
    ([0.07, 0.9, 0.0], ['low', 'high', 'none'])
    >>> risk.listed(1)
    [('low_p_alive', 0.688), ('long_since_last_purchase', 0.312)]
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from lealtad.customer_value._columns import Flags, Floats, floats, note, same_length, usable

DRIVERS: tuple[str, ...] = (
    "low_p_alive",
    "long_since_last_purchase",
    "fewer_purchases_than_usual",
    "recent_return",
    "many_contacts",
)
"""Stable driver codes; results hold a driver as its position here (-1: no driver)."""

BANDS: tuple[str, ...] = ("none", "low", "medium", "high")

_MAX_SIGNAL = 0.999  # keeps every hazard finite: risk at most 1 - 0.001^drivers


@dataclass(frozen=True)
class ChurnRules:
    """Cut points of the bands, the signals' weights and shapes, how many drivers to show."""

    medium_from: float = 0.3
    high_from: float = 0.6
    weight_p_alive: float = 1.0
    weight_overdue: float = 0.6
    weight_fewer_purchases: float = 0.3
    weight_returns: float = 0.15
    weight_contacts: float = 0.1
    overdue_half_at: float = 2.0
    contacts_half_at: float = 3.0
    default_gap_days: float = 90.0
    top_drivers: int = 3
    min_driver_share: float = 0.05

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if not (np.isfinite(value) and value >= 0):
                raise ValueError(f"{name}: must be a number ≥ 0 (got {value!r})")
        if not 0 < self.medium_from < self.high_from <= 1:
            raise ValueError("medium_from, high_from: need 0 < medium_from < high_from ≤ 1")
        for name in ("weight_p_alive", "weight_overdue", "weight_fewer_purchases"):
            if getattr(self, name) > 1:
                raise ValueError(f"{name}: must be between 0 and 1")
        if self.weight_returns > 1 or self.weight_contacts > 1:
            raise ValueError("weight_returns, weight_contacts: must be between 0 and 1")
        if self.overdue_half_at == 0 or self.contacts_half_at == 0:
            raise ValueError("overdue_half_at, contacts_half_at: must be more than 0")
        if self.default_gap_days == 0 or self.top_drivers < 1:
            raise ValueError("default_gap_days, top_drivers: must be more than 0")


@dataclass(frozen=True)
class ChurnRisk:
    """Per customer: the risk in [0, 1), its band (a name of :data:`BANDS`), the top drivers
    (positions in :data:`DRIVERS`, -1 padding) and each one's share of the risk."""

    risk: Floats
    band: NDArray[np.str_]
    drivers: NDArray[np.int8]
    driver_weights: Floats
    warnings: list[str] = field(default_factory=list)

    def listed(self, customer: int) -> list[tuple[str, float]]:
        """One customer's drivers as ``(code, share)``, biggest first, shares rounded."""
        return [
            (DRIVERS[int(code)], round(float(weight), 3))
            for code, weight in zip(
                self.drivers[customer], self.driver_weights[customer], strict=True
            )
            if code >= 0
        ]


def churn_risk(
    *,
    p_alive: ArrayLike,
    recency_days: ArrayLike,
    usual_gap_days: ArrayLike,
    purchased: ArrayLike | None = None,
    recent_purchases: ArrayLike | None = None,
    usual_recent_purchases: ArrayLike | None = None,
    recent_returns: ArrayLike | None = None,
    contacts: ArrayLike | None = None,
    rules: ChurnRules | None = None,
) -> ChurnRisk:
    """Risk, band and drivers for every customer (the module gives the formula).

    Args:
        p_alive: the model's chance the customer is still active.
        recency_days: days since the last purchase.
        usual_gap_days: the customer's mean days between purchase days (0: not known yet).
        purchased: who ever bought (default: everyone).
        recent_purchases, usual_recent_purchases: purchases in the last period (say 90
            days) and how many the customer's own history makes usual for such a period
            (or the model's expected purchases); both or neither.
        recent_returns: returns in the last period.
        contacts: contacts and cases in the last period.
        rules: weights, shapes and band cut points.

    A value that is not a number adds no risk and is noted in ``warnings``; P(alive) is held
    in [0, 1] and negative counts read as 0.

    Raises:
        ValueError: columns of different lengths, or only one of the two purchase counts.
    """
    rules = rules or ChurnRules()
    warnings: list[str] = []
    alive = _read(p_alive, "p_alive", 1.0, warnings)
    size = alive.size
    bought = np.ones(size, bool) if purchased is None else np.asarray(purchased, bool).ravel()
    same_length(p_alive=alive, purchased=bought)
    columns = {
        "recency_days": _overdue(recency_days, usual_gap_days, rules, warnings),
        "recent_purchases": _fewer(recent_purchases, usual_recent_purchases, size, warnings),
        **_recent_service(recent_returns, contacts, rules, warnings),
    }
    same_length(p_alive=alive, **columns)
    hazard = _hazards(alive, columns, bought, rules)
    total = hazard.sum(axis=1)
    risk = -np.expm1(-total)
    drivers, shares = _top_drivers(hazard, total, rules)
    band = np.asarray(BANDS)[_band(risk, bought, rules)]
    return ChurnRisk(risk, band, drivers, shares, warnings)


def _recent_service(
    recent_returns: ArrayLike | None,
    contacts: ArrayLike | None,
    rules: ChurnRules,
    warnings: list[str],
) -> dict[str, Floats]:
    """The returns and contacts signals, left out when not given: a column nobody passed
    adds no risk and takes no part in the length check."""
    columns: dict[str, Floats] = {}
    if recent_returns is not None:
        returns = np.maximum(_read(recent_returns, "recent_returns", 0.0, warnings), 0.0)
        columns["recent_returns"] = 1 - 0.5 ** np.minimum(returns, 1e3)
    if contacts is not None:
        seen = np.maximum(_read(contacts, "contacts", 0.0, warnings), 0.0)
        columns["contacts"] = seen / (seen + rules.contacts_half_at)
    return columns


def _hazards(
    alive: Floats, columns: dict[str, Floats], bought: Flags, rules: ChurnRules
) -> NDArray[np.float64]:
    """Each signal's hazard ``-log(1 - w·s)``, customers x :data:`DRIVERS`: hazards add up,
    so their shares say how much each driver explains. Zero for who never bought."""
    signals = np.zeros((alive.size, len(DRIVERS)))
    signals[:, 0] = 1 - np.clip(alive, 0.0, 1.0)
    for k, name in enumerate(("recency_days", "recent_purchases", "recent_returns", "contacts")):
        if name in columns:
            signals[:, k + 1] = columns[name]
    signals[~bought] = 0.0
    return -np.log1p(-np.minimum(signals * _weights(rules), _MAX_SIGNAL))


def _weights(rules: ChurnRules) -> NDArray[np.float64]:
    """The signals' weights in :data:`DRIVERS` order."""
    return np.array(
        [
            rules.weight_p_alive,
            rules.weight_overdue,
            rules.weight_fewer_purchases,
            rules.weight_returns,
            rules.weight_contacts,
        ]
    )


def _read(values: ArrayLike, name: str, default: float, warnings: list[str]) -> Floats:
    column = floats(values, name)
    bad = ~usable(column)
    note(warnings, bad, f"{name} value(s) not a number were read as {default:g}")
    return np.where(bad, default, column)


def _overdue(
    recency_days: ArrayLike, usual_gap_days: ArrayLike, rules: ChurnRules, warnings: list[str]
) -> Floats:
    """o² / (o² + h²) with o = days since the last purchase over the usual gap."""
    recency = np.maximum(_read(recency_days, "recency_days", 0.0, warnings), 0.0)
    gap = _read(usual_gap_days, "usual_gap_days", 0.0, warnings)
    same_length(recency_days=recency, usual_gap_days=gap)
    known = gap > 0
    fallback = float(np.median(gap[known])) if known.any() else rules.default_gap_days
    with np.errstate(over="ignore"):  # a huge ratio is held at 1e6 just below
        ratio = recency / np.where(known, gap, fallback)
    ratio = np.minimum(ratio, 1e6)  # beyond this the signal is 1 to the last digit anyway
    return ratio**2 / (ratio**2 + rules.overdue_half_at**2)


def _fewer(
    recent: ArrayLike | None, usual: ArrayLike | None, size: int, warnings: list[str]
) -> Floats:
    """How far below the usual count the recent purchases fell, 0 (as usual) to 1 (none)."""
    if recent is None and usual is None:
        return np.zeros(size)
    if recent is None or usual is None:
        raise ValueError("recent_purchases, usual_recent_purchases: give both or neither")
    seen = np.maximum(_read(recent, "recent_purchases", 0.0, warnings), 0.0)
    expected = np.maximum(_read(usual, "usual_recent_purchases", 0.0, warnings), 0.0)
    same_length(recent_purchases=seen, usual_recent_purchases=expected)
    with np.errstate(over="ignore"):  # a huge ratio is clipped to [0, 1] just below
        shortfall = 1 - seen / np.where(expected > 0, expected, 1.0)
    return np.where(expected > 0, np.clip(shortfall, 0.0, 1.0), 0.0)


def _top_drivers(
    hazard: NDArray[np.float64], total: Floats, rules: ChurnRules
) -> tuple[NDArray[np.int8], Floats]:
    """The biggest shares first (ties in :data:`DRIVERS` order), small ones left out."""
    share = hazard / np.where(total > 0, total, 1.0)[:, None]
    keep = min(int(rules.top_drivers), len(DRIVERS))
    order = np.argsort(-share, axis=1, kind="stable")[:, :keep]
    shares = np.take_along_axis(share, order, axis=1)
    shown = shares >= max(rules.min_driver_share, 1e-12)
    return np.where(shown, order, -1).astype(np.int8), np.where(shown, shares, 0.0)


def _band(risk: Floats, bought: Flags, rules: ChurnRules) -> NDArray[np.int64]:
    band = 1 + (risk >= rules.medium_from).astype(np.int64) + (risk >= rules.high_from)
    return np.where(bought, band, 0)
