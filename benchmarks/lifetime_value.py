"""Lifetime value: CDNOW against the published fits and `lifetimes`, then a million customers.

1. CDNOW (the 2,357-customer sample `lifetimes` ships; weeks 1-39 calibration, 40-78
   holdout): our BG/NBD, Gamma-Gamma and Pareto/NBD parameters and log-likelihood next to the
   paper's and to `lifetimes`' fitted in the same run, with warm-fit times (median of repeats).
2. The holdout check of the paper's figure 4: expected against actual purchases in weeks
   40-78 per calibration-frequency group.
3. A synthetic base of ``--customers`` (1,000,000) drawn from BG/NBD with CDNOW's parameters:
   fit time, scoring time (P(alive), purchases, spend and 12-month discounted value for every
   customer), and `lifetimes` fitting the same base in a child process, given
   ``--peer-seconds``; if it has not finished by then it is stopped and run on
   ``--peer-fallback`` customers instead, and the report says so.

Run: ``.venv/bin/python benchmarks/lifetime_value.py`` (``pip install -e '.[test]'`` brings
`lifetimes` and the data set). Figures: ``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import numpy as np
from harness import report

from lealtad.lifetime_value import bgnbd, cdnow, gamma_gamma, holdout, pareto_nbd, score
from lealtad.lifetime_value.summary import CalibrationHoldout, split
from lealtad.lifetime_value.synthetic import draw_bgnbd

CDNOW_PARAMS = (0.243, 4.414, 0.793, 2.426)


def warm_ms(fn: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Median wall time in ms of ``repeats`` calls after one warm-up call (the fastest is
    printed too: on a shared 2-core machine the median carries other processes' load)."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times)


def report_warm(label: str, times: tuple[float, float], target: float | None = None) -> None:
    median, fastest = times
    report(f"{label} (fastest {fastest:.1f} ms)", median, "ms", target)


def compare_row(name: str, ours: float, paper: float, theirs: float | None, tol: float) -> None:
    ok = abs(ours - paper) <= tol * abs(paper)
    peer = f"{theirs:>10.4f}" if theirs is not None else f"{'-':>10}"
    print(
        f"  {name:<7} ours {ours:>10.4f}  paper {paper:>10.4f}  lifetimes {peer}  "
        f"within {tol:.1%}: {'ok' if ok else 'MISSED'}"
    )


def cdnow_section(repeats: int) -> None:
    print("CDNOW: 2,357 customers, calibration weeks 1-39", flush=True)
    log = cdnow.transactions()
    data = split(
        log.customers,
        log.dates,
        log.amounts,
        calibration_end=cdnow.CALIBRATION_END,
        observation_end=cdnow.OBSERVATION_END,
    )
    c = data.calibration
    x, t_x, age, money = c.frequency, c.recency, c.age, c.monetary
    bg = bgnbd.fit(x, t_x, age)
    gg = gamma_gamma.fit(x, money)
    pn = pareto_nbd.fit(x, t_x, age)
    peers = peer_cdnow_fits(x, t_x, age, money, repeats)

    print("BG/NBD")
    for name in ("r", "alpha", "a", "b"):
        theirs = peers["bg"][name] if peers else None
        compare_row(name, getattr(bg, name), cdnow.PUBLISHED_BGNBD[name], theirs, 0.005)
    ll_ok = abs(bg.log_likelihood - cdnow.PUBLISHED_BGNBD["ll"]) <= 0.1
    print(
        f"  LL      ours {bg.log_likelihood:>10.2f}  paper {cdnow.PUBLISHED_BGNBD['ll']:>10.1f}"
        f"  within 0.1: {'ok' if ll_ok else 'MISSED'}"
    )
    print("Gamma-Gamma (946 repeat customers)")
    for name, key in (("p", "p"), ("q", "q"), ("gamma", "v")):
        theirs = peers["gg"][key] if peers else None
        compare_row(name, getattr(gg, name), cdnow.PUBLISHED_GAMMA_GAMMA[name], theirs, 0.01)
    print("Pareto/NBD")
    for name in ("r", "alpha", "s", "beta"):
        theirs = peers["pn"][name] if peers else None
        compare_row(name, getattr(pn, name), cdnow.PUBLISHED_PARETO_NBD[name], theirs, 0.01)
    print(f"  LL      ours {pn.log_likelihood:>10.2f}")

    print("Warm fit times (median)")
    report_warm("BG/NBD fit, ours", warm_ms(lambda: bgnbd.fit(x, t_x, age), repeats), 50)
    if peers:
        report_warm("BG/NBD fit, lifetimes", peers["bg_ms"])
    report_warm("Gamma-Gamma fit, ours", warm_ms(lambda: gamma_gamma.fit(x, money), repeats))
    if peers:
        report_warm("Gamma-Gamma fit, lifetimes", peers["gg_ms"])
    report_warm("Pareto/NBD fit, ours", warm_ms(lambda: pareto_nbd.fit(x, t_x, age), 5))
    if peers:
        report_warm("Pareto/NBD fit, lifetimes", peers["pn_ms"])

    holdout_tables(data, {"BG/NBD": bg, "Pareto/NBD": pn})


def holdout_tables(data: CalibrationHoldout, models: dict[str, holdout.PurchaseModel]) -> None:
    c = data.calibration
    for label, model in models.items():
        check = holdout.compare(
            model,
            c.frequency,
            c.recency,
            c.age,
            actual=data.holdout_purchases,
            holdout_length=data.holdout_length,
        )
        print(f"Holdout weeks 40-78, {label}: mean repeat purchases per calibration frequency")
        for line in check.lines():
            print("  " + line)


def peer_cdnow_fits(x, t_x, age, money, repeats: int) -> dict | None:
    try:
        import pandas as pd
        from lifetimes import BetaGeoFitter, GammaGammaFitter, ParetoNBDFitter
    except ImportError:
        print("  (lifetimes not installed: no peer figures)")
        return None
    frame = pd.DataFrame({"x": x, "t_x": t_x, "T": age, "m": money})
    rep = frame[frame.x > 0]
    bg = BetaGeoFitter().fit(frame.x, frame.t_x, frame["T"])
    gg = GammaGammaFitter().fit(rep.x, rep.m)
    pn = ParetoNBDFitter().fit(frame.x, frame.t_x, frame["T"])
    return {
        "bg": bg.params_.to_dict(),
        "gg": gg.params_.to_dict(),
        "pn": pn.params_.to_dict(),
        "bg_ms": warm_ms(lambda: BetaGeoFitter().fit(frame.x, frame.t_x, frame["T"]), repeats),
        "gg_ms": warm_ms(lambda: GammaGammaFitter().fit(rep.x, rep.m), repeats),
        "pn_ms": warm_ms(lambda: ParetoNBDFitter().fit(frame.x, frame.t_x, frame["T"]), 5),
    }


def synthetic_section(customers: int, seed: int) -> None:
    print(f"Synthetic base: {customers:,} customers drawn from BG/NBD {CDNOW_PARAMS}", flush=True)
    start = time.perf_counter()
    base = draw_bgnbd(customers, CDNOW_PARAMS, seed=seed)
    print(f"  drawn in {time.perf_counter() - start:.2f} s", flush=True)
    args = (base.frequency, base.recency, base.age)
    bgnbd.fit(*args)  # warm-up: imports and first-call costs out of the timing
    start = time.perf_counter()
    model = bgnbd.fit(*args)
    fit_s = time.perf_counter() - start
    report(f"BG/NBD fit, {customers:,} customers", fit_s, "s", 2.0)
    print(f"    recovered r {model.r:.3f} alpha {model.alpha:.3f} a {model.a:.3f} b {model.b:.3f}")
    spend = gamma_gamma.fit(base.frequency, base.monetary)
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        scores = score(
            model,
            spend,
            frequency=base.frequency,
            recency=base.recency,
            age=base.age,
            monetary=base.monetary,
            unit_days=7,
            months=12,
        )
        timings.append(time.perf_counter() - start)
    report("score: P(alive), purchases, spend, 12-month CLV", min(timings), "s", 0.3)
    finite = bool(np.isfinite(scores.value).all())
    print(f"    mean CLV {scores.value.mean():.2f}, all finite: {finite}")


def peer_synthetic(customers: int, seed: int, seconds: float, fallback: int) -> None:
    for n, limit in ((customers, seconds), (fallback, max(seconds, 600.0))):
        print(f"  lifetimes BetaGeoFitter on {n:,} customers (limit {limit:.0f} s)…", flush=True)
        command = [sys.executable, __file__, "--peer-only", str(n), "--seed", str(seed)]
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=limit, check=False
            )
        except subprocess.TimeoutExpired:
            print(f"    not finished in {limit:.0f} s: stopped", flush=True)
            continue
        print("    " + (done.stdout.strip() or done.stderr.strip()[-500:]), flush=True)
        return


def peer_only(customers: int, seed: int) -> None:
    """Child process: fit lifetimes on the same synthetic base and print the time."""
    import pandas as pd
    from lifetimes import BetaGeoFitter

    base = draw_bgnbd(customers, CDNOW_PARAMS, seed=seed)
    frame = pd.DataFrame({"x": base.frequency, "t_x": base.recency, "T": base.age})
    start = time.perf_counter()
    fitted = BetaGeoFitter().fit(frame.x, frame.t_x, frame["T"])
    elapsed = time.perf_counter() - start
    p = fitted.params_
    print(
        f"lifetimes fit {customers:,} customers in {elapsed:.2f} s "
        f"(r {p['r']:.3f} alpha {p['alpha']:.3f} a {p['a']:.3f} b {p['b']:.3f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--peer-seconds", type=float, default=120.0)
    parser.add_argument("--peer-fallback", type=int, default=100_000)
    parser.add_argument("--no-peer", action="store_true", help="skip lifetimes on the base")
    parser.add_argument("--peer-only", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.peer_only:
        peer_only(args.peer_only, args.seed)
        return
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    cdnow_section(args.repeats)
    synthetic_section(args.customers, args.seed)
    if not args.no_peer:
        peer_synthetic(args.customers, args.seed, args.peer_seconds, args.peer_fallback)


if __name__ == "__main__":
    main()
