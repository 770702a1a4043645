"""RFM over 10,000,000 transactions: ours against a plain DuckDB query and pandas, same run.

A seeded synthetic log (``--customers`` 1,000,000 customers with their own buying rates over
three years, lognormal order values, 3 % of rows returns) goes through:

1. ``customer_value.rfm``: ``rfm_inputs`` (recency, frequency, monetary per customer) then
   ``rfm_scores`` (quintiles and the "RFM" code). Target ≤ 1.5 s for both together.
2. DuckDB, the same numbers and ``NTILE(5)`` scores in one SQL query over the Arrow table
   (zero copy); its recency/frequency/monetary are checked equal to ours.
3. pandas: ``groupby().agg()`` and ``rank(pct=True)`` quintiles.

Then, on the same log, the rest of the engine the refresh calls: lifecycle stages (the log
sorted by customer and day, as the refresh reads it), churn risk and value tiers for every
customer. Times are the median of ``--repeats`` runs after one warm-up (the fastest too: the
machine is shared).

Run: ``.venv/bin/python benchmarks/analytics_rfm.py`` (``--rows``, ``--customers``,
``--repeats``). Figures: ``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

import numpy as np
from harness import report

from lealtad.customer_value.churn import churn_risk
from lealtad.customer_value.lifecycle import STAGES, lifecycle
from lealtad.customer_value.rfm import RfmInputs, rfm_inputs, rfm_scores
from lealtad.customer_value.tier_check import tier_check
from lealtad.customer_value.tiers import assign_tiers
from lealtad.lifetime_value import bgnbd, cdnow, gamma_gamma, score
from lealtad.lifetime_value.summary import split

AS_OF = 20_000  # a day number (2024-10-04); the log covers the three years before it


def synthetic_log(rows: int, customers: int, seed: int) -> tuple[np.ndarray, ...]:
    """Customer index, day and amount per transaction; heavy and light buyers, returns."""
    rng = np.random.default_rng(seed)
    rate = rng.gamma(0.8, 1.0, customers)
    customer = rng.choice(customers, size=rows, p=rate / rate.sum())
    day = AS_OF - rng.integers(0, 3 * 365, rows)
    amount = np.round(rng.lognormal(3.2, 0.8, rows), 2)
    returns = rng.random(rows) < 0.03
    amount[returns] = -np.round(amount[returns] * rng.uniform(0.2, 1.0, returns.sum()), 2)
    return customer.astype(np.int64), day.astype(np.int64), amount


def timed(fn: Callable[[], object], repeats: int) -> tuple[float, float, object]:
    """Median and fastest seconds of ``repeats`` calls after a warm-up, and the last result."""
    result = fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times), result


def ours(customer: np.ndarray, day: np.ndarray, amount: np.ndarray, customers: int):
    inputs = rfm_inputs(customer, day, amount, AS_OF, customers=customers)
    scores = rfm_scores(inputs.recency_days, inputs.frequency, inputs.monetary)
    return inputs, scores


DUCKDB_SQL = f"""
WITH per_customer AS (
    SELECT customer,
           {AS_OF} - max(day) FILTER (WHERE amount >= 0) AS recency,
           count(*) FILTER (WHERE amount >= 0) AS frequency,
           greatest(sum(amount), 0) AS monetary
    FROM log WHERE day <= {AS_OF} GROUP BY customer
)
SELECT customer, recency, frequency, monetary,
       ntile(5) OVER (ORDER BY recency DESC) AS r,
       ntile(5) OVER (ORDER BY frequency) AS f,
       ntile(5) OVER (ORDER BY monetary) AS m
FROM per_customer WHERE frequency > 0
"""


def duckdb_run(customer: np.ndarray, day: np.ndarray, amount: np.ndarray):
    import duckdb
    import pyarrow as pa

    table = pa.table({"customer": customer, "day": day, "amount": amount})
    con = duckdb.connect()
    con.register("log", table)

    def query():
        return con.execute(DUCKDB_SQL).fetchnumpy()

    return timed(query, 2)


def pandas_run(customer: np.ndarray, day: np.ndarray, amount: np.ndarray):
    import pandas as pd

    frame = pd.DataFrame({"customer": customer, "day": day, "amount": amount})

    def run():
        rows = frame[frame.day <= AS_OF]
        bought = rows[rows.amount >= 0]
        per = bought.groupby("customer").agg(last=("day", "max"), frequency=("day", "size"))
        per["monetary"] = rows.groupby("customer").amount.sum().clip(lower=0)
        per["recency"] = AS_OF - per["last"]
        for column, sign in (("recency", -1), ("frequency", 1), ("monetary", 1)):
            rank = (sign * per[column]).rank(pct=True)
            per[column[0]] = np.ceil(rank * 5).astype(int)
        return per

    return timed(run, 1)


def check_duckdb(inputs: RfmInputs, answer: dict[str, np.ndarray]) -> bool:
    index = answer["customer"]
    return bool(
        (inputs.recency_days[index] == answer["recency"]).all()
        and (inputs.frequency[index] == answer["frequency"]).all()
        and np.allclose(inputs.monetary[index], answer["monetary"])
        and index.size == int(inputs.purchased.sum())
    )


def engine_section(customer, day, amount, customers: int, inputs: RfmInputs, repeats: int):
    order = np.lexsort((day, customer))
    c, d, a = customer[order], day[order], amount[order]
    median, fastest, stages = timed(
        lambda: lifecycle(c, d, AS_OF, customers=customers, amount=a), max(1, repeats // 2)
    )
    report(f"lifecycle, {c.size:,} rows sorted (fastest {fastest:.2f} s)", median, "s", 5.0)
    counts = np.bincount(stages.stage, minlength=len(STAGES))
    print("    " + ", ".join(f"{s} {n:,}" for s, n in zip(STAGES, counts, strict=True)))
    print(f"    {stages.transitions.customer.size:,} transitions")
    rng = np.random.default_rng(5)
    alive = rng.beta(2, 1, customers)
    median, fastest, _ = timed(
        lambda: churn_risk(
            p_alive=alive,
            recency_days=np.maximum(inputs.recency_days, 0),
            usual_gap_days=stages.usual_gap_days,
            purchased=inputs.purchased,
            contacts=rng.poisson(0.5, customers),
        ),
        repeats,
    )
    report(f"churn risk + drivers, {customers:,} (fastest {fastest:.2f} s)", median, "s")
    margin = inputs.monetary * 0.3
    median, fastest, _ = timed(
        lambda: assign_tiers(
            value=inputs.monetary,
            margin=margin,
            cost_to_serve=rng.poisson(2, customers) * 2.5,
            purchased=inputs.purchased,
            predicted_value=inputs.monetary * rng.lognormal(0, 0.5, customers),
            current_value=inputs.monetary,
            p_alive=alive,
        ),
        repeats,
    )
    report(f"value tiers, {customers:,} (fastest {fastest:.2f} s)", median, "s")


def cdnow_tier_section() -> None:
    """Each tier's forecast against its holdout: CDNOW fitted on weeks 1-39, tiers by the
    9-month value, expected against actual purchases in weeks 40-78."""
    log = cdnow.transactions()
    data = split(
        log.customers,
        log.dates,
        log.amounts,
        calibration_end=cdnow.CALIBRATION_END,
        observation_end=cdnow.OBSERVATION_END,
    )
    c = data.calibration
    purchases = bgnbd.fit(c.frequency, c.recency, c.age)
    value = score(
        purchases,
        gamma_gamma.fit(c.frequency, c.monetary),
        frequency=c.frequency,
        recency=c.recency,
        age=c.age,
        monetary=c.monetary,
        unit_days=7,
        months=9,
    )
    spent = c.monetary * c.frequency
    tiers = assign_tiers(
        value=value.value,
        margin=spent,
        cost_to_serve=np.zeros(len(c)),
        purchased=np.ones(len(c), bool),
        predicted_value=value.value,
        current_value=spent,
        p_alive=value.p_alive,
    )
    expected = purchases.conditional_expected_purchases(
        data.holdout_length, c.frequency, c.recency, c.age
    )
    check = tier_check(tiers.codes, predicted=expected, actual=data.holdout_purchases)
    print("\nCDNOW tier check: mean purchases per customer in weeks 40-78")
    for line in check.lines():
        print("  " + line)
    print(f"  all: expected {check.predicted_total:.0f}, actual {check.actual_total:.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--no-peers", action="store_true")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    customer, day, amount = synthetic_log(args.rows, args.customers, args.seed)
    print(f"{args.rows:,} transactions, {args.customers:,} customers, seed {args.seed}")
    median, fastest, (inputs, scores) = timed(
        lambda: ours(customer, day, amount, args.customers), args.repeats
    )
    report(f"RFM, customer_value.rfm (fastest {fastest:.2f} s)", median, "s", 1.5)
    print(f"    {int(inputs.purchased.sum()):,} customers scored; warnings: {inputs.warnings}")
    print(f"    customers per R score 0..5: {np.bincount(scores.recency).tolist()}")
    rows = [("customer_value.rfm", median)]
    if not args.no_peers:
        median, fastest, answer = duckdb_run(customer, day, amount)
        report(f"RFM, plain DuckDB query (fastest {fastest:.2f} s)", median, "s")
        print(f"    same recency, frequency, monetary as ours: {check_duckdb(inputs, answer)}")
        rows.append(("DuckDB query", median))
        median, fastest, _ = pandas_run(customer, day, amount)
        report(f"RFM, pandas groupby + rank (fastest {fastest:.2f} s)", median, "s")
        rows.append(("pandas", median))
    print(f"\n| RFM over {args.rows:,} transactions | seconds |\n| --- | ---: |")
    for name, seconds in rows:
        print(f"| {name} | {seconds:.2f} |")
    print()
    engine_section(customer, day, amount, args.customers, inputs, args.repeats)
    cdnow_tier_section()


if __name__ == "__main__":
    main()
