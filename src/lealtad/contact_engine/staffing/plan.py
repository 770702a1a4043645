"""Agents needed per interval for a target, from forecast volume and handle time.

The search for the smallest head count is vectorized over all intervals at once: a doubling
step finds, for every interval, a staffing that meets the target, then a bisection narrows all
intervals together. Every figure the targets use falls (or rises) monotonically with the head
count, so the bisection is exact, and a week of 672 intervals takes about a dozen array passes
instead of thousands of scalar Erlang evaluations.

Queues that share agents are staffed as ONE pool on their summed load. Rounding each queue up
to whole agents and adding the results wastes up to an agent per queue per interval, and
pooling also gains from the economy of scale of the Erlang formulas; ``staff_pool`` reports
both plans so the saving shows. With different handle times the pooled Erlang C uses the
call-weighted mean handle time: exact for the load, an approximation for the waiting times
(the service time is then a mixture, not one exponential).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import erlang
from .errors import StaffingError

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class Target:
    """What a plan must achieve in every interval; every given bound must hold at once.

    ``service_level`` is the share of offered contacts answered within ``within`` seconds.
    ``patience`` (mean seconds before a caller hangs up) switches the model from Erlang C to
    Erlang A, which ``max_abandon`` needs.
    """

    service_level: float | None = 0.8
    within: float = 20.0
    max_asa: float | None = None
    max_abandon: float | None = None
    max_occupancy: float | None = None
    patience: float | None = None

    def __post_init__(self) -> None:
        for name in ("service_level", "max_abandon", "max_occupancy"):
            value = getattr(self, name)
            if value is not None and not (
                0.0 < value < 1.0 or (name == "max_occupancy" and value == 1.0)
            ):
                raise StaffingError(name, f"must be a share between 0 and 1, got {value}")
        if not math.isfinite(self.within) or self.within < 0:
            raise StaffingError("within", f"must be seconds >= 0, got {self.within}")
        for name in ("max_asa", "patience"):
            value = getattr(self, name)
            if value is not None and not (math.isfinite(value) and value > 0):
                raise StaffingError(name, f"must be seconds > 0, got {value}")
        if self.max_abandon is not None and self.patience is None:
            raise StaffingError("max_abandon", "needs a mean patience (Erlang A)")
        bounds = (self.service_level, self.max_asa, self.max_abandon, self.max_occupancy)
        if all(b is None for b in bounds):
            raise StaffingError(
                "target", "give at least one of service_level, max_asa, max_abandon, max_occupancy"
            )

    @property
    def model(self) -> str:
        return "erlang_a" if self.patience is not None else "erlang_c"


@dataclass(frozen=True)
class Shrinkage:
    """Shares of paid time in which a scheduled agent takes no contacts (breaks, training…).

    They add up: 10% breaks and 5% training leave 85% of the scheduled heads on the phones.
    """

    components: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, share in self.components.items():
            if not (math.isfinite(share) and 0.0 <= share < 1.0):
                raise StaffingError(f"shrinkage.{name}", f"must be a share in [0, 1), got {share}")
        if self.total >= 1.0:
            raise StaffingError(
                "shrinkage", f"components add up to {self.total:.2f}, must be below 1"
            )

    @property
    def total(self) -> float:
        return float(sum(self.components.values()))

    def scheduled(self, agents: IntArray) -> IntArray:
        """Heads to schedule so that ``agents`` are on the phones after shrinkage."""
        raw = agents / (1.0 - self.total)
        # a hair of tolerance: 0.8 / (1 - 0.2) must stay 1, not become 2
        return np.ceil(raw - 1e-9).astype(np.int64)


@dataclass(frozen=True)
class Plan:
    """One row per interval: the forecast in, the staffing and its expected figures out."""

    calls: Array
    aht: Array
    load: Array
    agents: IntArray
    scheduled: IntArray
    service_level: Array
    asa: Array
    p_wait: Array
    occupancy: Array
    p_abandon: Array
    model: str

    @property
    def agent_intervals(self) -> int:
        return int(self.agents.sum())

    @property
    def scheduled_intervals(self) -> int:
        return int(self.scheduled.sum())


def _validated_forecast(
    calls: ArrayLike, aht: ArrayLike, interval_seconds: float
) -> tuple[Array, Array]:
    if not (math.isfinite(interval_seconds) and interval_seconds > 0):
        raise StaffingError("interval_seconds", f"must be > 0, got {interval_seconds}")
    c = np.atleast_1d(np.asarray(calls, dtype=np.float64))
    h = np.broadcast_to(np.asarray(aht, dtype=np.float64), c.shape).copy()
    if c.ndim != 1:
        raise StaffingError("calls", "must be one number per interval")
    for name, values, strict in (("calls", c, False), ("aht", h, True)):
        bad = ~np.isfinite(values) | ((values <= 0) if strict else (values < 0))
        if np.any(bad):
            row = int(np.flatnonzero(bad)[0])
            raise StaffingError(
                f"{name}[{row}]", f"must be {'> 0' if strict else '>= 0'}, got {values[row]}"
            )
    return c, h


def _figures(
    n: Array, calls: Array, aht: Array, seconds: float, target: Target
) -> dict[str, Array]:
    """Every figure for head counts ``n`` (intervals without calls get clean zeros)."""
    lam = np.where(calls > 0, calls / seconds, 1.0)
    load = lam * aht
    n_safe = np.maximum(n, 1.0)
    if target.patience is None:
        sl = np.asarray(erlang.erlang_c_service_level(n_safe, load, aht, target.within))
        asa = np.asarray(erlang.erlang_c_asa(n_safe, load, aht))
        p_wait = np.asarray(erlang.erlang_c(n_safe, load))
        abandon = np.zeros_like(load)
        occ = np.asarray(erlang.occupancy(n_safe, load))
    else:
        parts = erlang._erlang_a_parts(
            n_safe, lam, aht, np.full_like(lam, target.patience), np.full_like(lam, target.within)
        )
        p_wait = parts["p_wait"]
        abandon = np.clip(p_wait - parts["served_waiting"], 0.0, 1.0)
        sl = np.clip(1.0 - p_wait + parts["served_within"], 0.0, 1.0)
        asa = abandon * target.patience  # mean wait of all callers (Little's law)
        occ = np.minimum(load * (1.0 - abandon) / n_safe, 1.0)
    idle = calls <= 0
    return {
        "service_level": np.where(idle, 1.0, sl),
        "asa": np.where(idle, 0.0, asa),
        "p_wait": np.where(idle, 0.0, p_wait),
        "p_abandon": np.where(idle, 0.0, abandon),
        "occupancy": np.where(idle, 0.0, occ),
    }


def _meets(target: Target, figures: dict[str, Array]) -> NDArray[np.bool_]:
    ok = np.ones(figures["service_level"].shape, dtype=bool)
    eps = 1e-12
    if target.service_level is not None:
        ok &= figures["service_level"] >= target.service_level - eps
    if target.max_asa is not None:
        ok &= figures["asa"] <= target.max_asa + eps
    if target.max_abandon is not None:
        ok &= figures["p_abandon"] <= target.max_abandon + eps
    if target.max_occupancy is not None:
        ok &= figures["occupancy"] <= target.max_occupancy + eps
    return ok


def _smallest(meets: Callable[[Array], NDArray[np.bool_]], lower: Array, start: Array) -> Array:
    """Smallest n > lower with meets(n), per element: double up, then bisect (monotone)."""
    lo = lower.copy()  # known to fail (or 0 agents)
    hi = np.maximum(start, lo + 1)
    most = 100 * hi + 1_000_000  # a target this far beyond the load is a mistake, not a plan
    while True:
        ok = meets(hi)
        if ok.all():
            break
        lo = np.where(ok, lo, hi)
        hi = np.where(ok, hi, np.maximum(hi * 2, hi + 1))
        if np.any(hi > most):
            raise StaffingError(
                "target", "no staffing meets it (an occupancy or abandonment bound near 0?)"
            )
    while True:
        gap = hi - lo > 1
        if not gap.any():
            return hi
        mid = np.floor((lo + hi) / 2)
        ok = meets(mid) | ~gap
        hi = np.where(gap & ok, mid, hi)
        lo = np.where(gap & ~ok, mid, lo)


def staff(
    calls: ArrayLike,
    aht: ArrayLike,
    target: Target,
    interval_seconds: float = 900.0,
    shrinkage: Shrinkage | None = None,
) -> Plan:
    """Agents per interval for ``calls`` (per interval) with mean handle time ``aht`` seconds."""
    c, h = _validated_forecast(calls, aht, interval_seconds)
    load = c / interval_seconds * h
    busy = c > 0

    def meets(n: Array) -> NDArray[np.bool_]:
        return _meets(target, _figures(n, c, h, interval_seconds, target)) | ~busy

    # Erlang C needs more agents than Erlangs; Erlang A is stable with any, so search from 0.
    lower = np.floor(load) if target.patience is None else np.zeros_like(load)
    start = np.floor(load + np.sqrt(load)) + 1
    n = np.where(busy, _smallest(meets, lower, start), 0.0)
    agents = n.astype(np.int64)
    figures = _figures(n, c, h, interval_seconds, target)
    sched = (shrinkage or Shrinkage()).scheduled(agents)
    return Plan(
        calls=c, aht=h, load=load, agents=agents, scheduled=sched, model=target.model, **figures
    )


@dataclass(frozen=True)
class QueueForecast:
    """One queue's forecast: contacts per interval and mean handle time (scalar or per interval)."""

    calls: ArrayLike
    aht: ArrayLike


@dataclass(frozen=True)
class PoolPlan:
    """A pool staffed together, and what staffing each queue on its own would have cost."""

    pooled: Plan
    separate: Mapping[str, Plan]

    @property
    def separate_agents(self) -> IntArray:
        return np.sum([p.agents for p in self.separate.values()], axis=0).astype(np.int64)

    @property
    def saving(self) -> IntArray:
        """Agents per interval saved by pooling (never negative for one shared target)."""
        return self.separate_agents - self.pooled.agents


def pooled_forecast(queues: Mapping[str, QueueForecast]) -> tuple[Array, Array]:
    """Summed calls and call-weighted mean handle time of queues that share agents."""
    if not queues:
        raise StaffingError("queues", "a pool needs at least one queue")
    calls = [np.atleast_1d(np.asarray(q.calls, dtype=np.float64)) for q in queues.values()]
    lengths = {len(c) for c in calls}
    if len(lengths) != 1:
        raise StaffingError(
            "queues", f"every queue needs the same number of intervals, got {sorted(lengths)}"
        )
    aht = [
        np.broadcast_to(np.asarray(q.aht, dtype=np.float64), c.shape)
        for q, c in zip(queues.values(), calls, strict=True)
    ]
    total = np.sum(calls, axis=0)
    work = np.sum([c * h for c, h in zip(calls, aht, strict=True)], axis=0)
    mean_aht = np.where(total > 0, work / np.where(total > 0, total, 1.0), np.mean(aht, axis=0))
    return total, mean_aht


def staff_pool(
    queues: Mapping[str, QueueForecast],
    target: Target,
    interval_seconds: float = 900.0,
    shrinkage: Shrinkage | None = None,
) -> PoolPlan:
    """Staff queues that share agents on their pooled load; also each alone, for comparison."""
    separate = {}
    for name, q in queues.items():
        try:
            separate[name] = staff(q.calls, q.aht, target, interval_seconds, shrinkage)
        except StaffingError as exc:
            raise StaffingError(f"queues.{name}.{exc.field}", exc.reason) from exc
    calls, aht = pooled_forecast(queues)
    return PoolPlan(
        pooled=staff(calls, aht, target, interval_seconds, shrinkage), separate=separate
    )


def staff_pools(
    queues: Mapping[str, QueueForecast],
    pools: Mapping[str, Sequence[str]],
    target: Target,
    interval_seconds: float = 900.0,
    shrinkage: Shrinkage | None = None,
) -> dict[str, PoolPlan]:
    """Staff several pools; every queue belongs to exactly one pool."""
    seen: dict[str, str] = {}
    for pool, names in pools.items():
        for name in names:
            if name not in queues:
                raise StaffingError(f"pools.{pool}", f"unknown queue {name!r}")
            if name in seen:
                raise StaffingError(
                    f"pools.{pool}", f"queue {name!r} is already in pool {seen[name]!r}"
                )
            seen[name] = pool
    missing = sorted(set(queues) - set(seen))
    if missing:
        raise StaffingError("pools", f"queues in no pool: {', '.join(missing)}")
    return {
        pool: staff_pool({n: queues[n] for n in names}, target, interval_seconds, shrinkage)
        for pool, names in pools.items()
    }
