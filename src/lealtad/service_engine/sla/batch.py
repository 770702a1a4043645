"""The periodic SLA job over every open case at once.

The fold in :mod:`clock` is the reference, but folding a million histories every minute is
wasted work: between two events of a case nothing changes except the time that passes. So
the ``service`` context stores, per open case and target, the fold's snapshot (when it was
taken, elapsed business seconds, whether the clock runs, the target and warning ratio) and
this module extrapolates all of them to ``now`` with array lookups on each calendar's
compiled segments: a few ``searchsorted`` calls per calendar, no Python loop per case.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt

from lealtad.service_engine.sla.calendar import MICROS, BusinessCalendar, to_micros
from lealtad.service_engine.sla.clock import ClockState
from lealtad.service_engine.sla.errors import SlaInputError

NONE = np.iinfo(np.int64).min  # "no instant" in the µs columns
F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class ClockBatch:
    """One row per (case, target): the snapshot the fold left behind.

    ``target_seconds`` is NaN for a target the policy does not set; ``running`` is false
    while paused, met or without an SLA (such rows never warn, breach or fall due anew).
    """

    calendar_index: I64
    as_of: I64  # epoch µs of the snapshot
    elapsed_seconds: F64
    target_seconds: F64
    warning_ratio: F64
    running: B

    def __post_init__(self) -> None:
        n = len(self.calendar_index)
        for name in ("as_of", "elapsed_seconds", "target_seconds", "warning_ratio", "running"):
            if len(getattr(self, name)) != n:
                raise SlaInputError(name, f"has {len(getattr(self, name))} rows, expected {n}")

    @classmethod
    def from_states(cls, rows: Sequence[tuple[int, datetime, ClockState, float]]) -> ClockBatch:
        """Rows of (calendar index, snapshot time, clock, warning ratio) from :func:`evaluate`."""
        return cls(
            np.array([r[0] for r in rows], dtype=np.int64),
            np.array([to_micros(r[1], "as_of") for r in rows], dtype=np.int64),
            np.array([r[2].elapsed_seconds for r in rows], dtype=np.float64),
            np.array(
                [np.nan if r[2].target_seconds is None else r[2].target_seconds for r in rows],
                dtype=np.float64,
            ),
            np.array([r[3] for r in rows], dtype=np.float64),
            np.array([r[2].running for r in rows], dtype=np.bool_),
        )


@dataclass(frozen=True)
class BatchResult:
    elapsed_seconds: F64
    due_at: I64  # epoch µs, NONE when not running or without a target
    warning_at: I64
    breached: B
    warning_due: B  # warning reached, breach not yet


def evaluate_many(
    calendars: Sequence[BusinessCalendar], batch: ClockBatch, now: datetime
) -> BatchResult:
    """Every row extrapolated from its snapshot to ``now`` on its own calendar."""
    n = len(batch.calendar_index)
    now_us = to_micros(now, "now")
    if n and (batch.calendar_index.min() < 0 or batch.calendar_index.max() >= len(calendars)):
        raise SlaInputError("calendar_index", f"must lie in 0..{len(calendars) - 1}")
    if n and batch.as_of.max() > now_us:
        raise SlaInputError("as_of", "a snapshot lies after now")
    elapsed = batch.elapsed_seconds.copy()
    due = np.full(n, NONE, dtype=np.int64)
    warn = np.full(n, NONE, dtype=np.int64)
    # One sort groups the running rows by calendar; each group is then a slice, so many
    # calendars cost one pass, not one pass each.
    running = np.flatnonzero(batch.running)
    by_calendar = running[np.argsort(batch.calendar_index[running], kind="stable")]
    edges = np.searchsorted(
        batch.calendar_index[by_calendar], np.arange(len(calendars) + 1), side="left"
    )
    for index, calendar in enumerate(calendars):
        rows = by_calendar[edges[index] : edges[index + 1]]
        if rows.size:
            _extrapolate(calendar, batch, rows, now_us, elapsed, due, warn)
    has_target = ~np.isnan(batch.target_seconds)
    breached = has_target & (elapsed > np.nan_to_num(batch.target_seconds, nan=np.inf))
    warned = has_target & (elapsed > batch.target_seconds * batch.warning_ratio)
    return BatchResult(elapsed, due, warn, breached, warned & ~breached)


def _extrapolate(
    calendar: BusinessCalendar,
    batch: ClockBatch,
    rows: npt.NDArray[np.intp],
    now_us: int,
    elapsed: F64,
    due: I64,
    warn: I64,
) -> None:
    seg = calendar.segments
    as_of = batch.as_of[rows]
    if as_of.min() < seg.low or now_us > seg.high:
        raise SlaInputError("as_of", f"lies outside calendar {calendar.name!r}'s compiled years")
    origin = seg.position(as_of)
    gained = seg.position(np.array([now_us], dtype=np.int64))[0] - origin
    elapsed[rows] += gained / MICROS
    target = batch.target_seconds[rows]
    ok = ~np.isnan(target)
    spent = np.round(batch.elapsed_seconds[rows] * MICROS).astype(np.int64)
    for out, goal in ((due, target), (warn, target * batch.warning_ratio[rows])):
        left = np.round(np.nan_to_num(goal) * MICROS).astype(np.int64) - spent
        # Already past the threshold at the snapshot: the instant it was crossed there.
        instants = seg.instant(np.maximum(origin + left, 0))
        out[rows[ok]] = instants[ok]
