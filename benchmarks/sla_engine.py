"""The SLA engine's periodic job: every open case's first-response and resolution clocks
extrapolated to now (issue 14: 1,000,000 open cases in <= 30 s), against the peers in the
same run: a naive per-case loop asking the same calendar the scalar questions (what a job
that walks the cases one by one does), and re-folding each case's whole history.

    .venv/bin/python benchmarks/sla_engine.py [--cases 1000000] [--sample 20000]
        [--fold-sample 2000] [--seed 14]

Pure Python + numpy, no database. The peers run on a sample and are extrapolated; the
sample's answers are checked to be identical to the batch's.
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from lealtad.service_engine.sla import (
    NONE,
    BusinessCalendar,
    CaseEvent,
    CaseHistory,
    ClockBatch,
    EventKind,
    PolicyPeriod,
    SlaPolicy,
    evaluate,
    evaluate_many,
)
from lealtad.service_engine.sla.calendar import MICROS, from_micros, to_micros

CALENDARS = [
    BusinessCalendar.office("ec", "America/Guayaquil", country="EC"),
    BusinessCalendar.office("co", "America/Bogota", country="CO"),
    BusinessCalendar.office("pe", "America/Lima", country="PE"),
    BusinessCalendar.office("mx", "America/Mexico_City", country="MX"),
    BusinessCalendar.always_open("24x7", "America/Guayaquil"),
]
NOW = datetime(2026, 12, 4, 15, 30, tzinfo=ZoneInfo("America/Guayaquil"))


def _batch(cases: int, rng: np.random.Generator) -> ClockBatch:
    """Two rows per case (first response, resolution), snapshots up to a day old."""
    rows = 2 * cases
    now_us = to_micros(NOW)
    age = rng.integers(0, 86400 * MICROS, rows, dtype=np.int64)
    targets = np.where(np.arange(rows) % 2 == 0, 60.0, 480.0) * rng.choice([1, 2, 4], rows) * 60
    return ClockBatch(
        calendar_index=rng.integers(0, len(CALENDARS), rows).astype(np.int64),
        as_of=now_us - age,
        elapsed_seconds=rng.uniform(0, 1.1, rows) * targets,
        target_seconds=targets,
        warning_ratio=np.full(rows, 0.8),
        running=rng.random(rows) < 0.85,
    )


def _naive(batch: ClockBatch, rows: np.ndarray) -> list[tuple[float, int, bool]]:
    """One case at a time through the scalar calendar API."""
    out = []
    for i in rows:
        cal = CALENDARS[int(batch.calendar_index[i])]
        as_of = from_micros(int(batch.as_of[i]), cal.zone)
        elapsed = float(batch.elapsed_seconds[i])
        due = NONE
        if batch.running[i]:
            due = to_micros(cal.reach(as_of, float(batch.target_seconds[i]) - elapsed))
            cal.reach(as_of, float(batch.target_seconds[i]) * 0.8 - elapsed)
            elapsed += cal.business_seconds(as_of, NOW)
        out.append((elapsed, due, elapsed > batch.target_seconds[i]))
    return out


def _fold(rng: np.random.Generator, n: int) -> float:
    """Re-folding a short history (open, reply, pause, resume) per case."""
    policy = SlaPolicy("gold", CALENDARS[0], 60, 480)
    start = time.perf_counter()
    for _ in range(n):
        opened = NOW - timedelta(minutes=int(rng.integers(60, 30 * 1440)))
        events = [
            CaseEvent(opened, EventKind.OPENED),
            CaseEvent(opened + timedelta(minutes=20), EventKind.PUBLIC_REPLY),
            CaseEvent(opened + timedelta(minutes=40), EventKind.STATUS, "waiting_customer"),
            CaseEvent(opened + timedelta(minutes=55), EventKind.STATUS, "open"),
        ]
        evaluate(CaseHistory(events), [PolicyPeriod(opened, policy)], NOW)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=20_000)
    parser.add_argument("--fold-sample", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)

    start = time.perf_counter()
    for cal in CALENDARS:
        cal.segments  # noqa: B018 - compile once, as the long-running job does
    compile_s = time.perf_counter() - start
    batch = _batch(args.cases, rng)

    start = time.perf_counter()
    result = evaluate_many(CALENDARS, batch, NOW)
    batch_s = time.perf_counter() - start

    sample = rng.choice(len(batch.as_of), args.sample, replace=False)
    start = time.perf_counter()
    naive = _naive(batch, sample)
    naive_s = (time.perf_counter() - start) * len(batch.as_of) / args.sample
    mismatches = sum(
        abs(e - result.elapsed_seconds[i]) > 1e-6
        or d != result.due_at[i]
        or b != result.breached[i]
        for (e, d, b), i in zip(naive, sample, strict=True)
    )
    fold_s = _fold(rng, args.fold_sample) * args.cases / args.fold_sample

    print(f"open cases: {args.cases:,} ({len(batch.as_of):,} clocks), calendars: {len(CALENDARS)}")
    print(f"{'method':<44}{'seconds':>10}{'cases/s':>14}")
    for name, secs in (
        ("evaluate_many (numpy, per calendar)", batch_s),
        (f"naive per-case loop (extrapolated from {args.sample:,})", naive_s),
        (f"re-fold each history (from {args.fold_sample:,})", fold_s),
    ):
        print(f"{name:<44}{secs:>10.2f}{args.cases / secs:>14,.0f}")
    print(f"calendar compile (5 calendars, 2015-2040): {compile_s:.2f} s")
    print(
        f"speed-up over the naive loop: {naive_s / batch_s:,.0f}x; sample mismatches: {mismatches}"
    )
    print(
        f"breached: {int(result.breached.sum()):,}  warning due: {int(result.warning_due.sum()):,}"
    )


if __name__ == "__main__":
    main()
