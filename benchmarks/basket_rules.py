"""Market-basket rules: 100,000 baskets at 0.2% support, our wrapper against pyfim raw and
mlxtend in the same run, and a check that all three find the same itemsets.

The baskets come from ``customer_value.basket.draw_baskets`` (seeded: a power-law item
popularity over 1,000 products and planted bundles). Timed, each the median of ``--repeats``
after a warm-up call:

* ``lealtad`` — ``basket.mine``: cleaning the baskets (sets, missing codes refused), pyfim's
  FP-growth for the itemsets, and every one-consequent rule with support, confidence, lift;
* ``pyfim raw`` — ``fim.fpgrowth`` alone on the same lists (itemsets only, the floor);
* ``pyfim rules`` — ``fim.fpgrowth(target="r")``, pyfim's own rule mode;
* ``mlxtend`` — ``TransactionEncoder`` + ``fpgrowth`` + ``association_rules``, once (its
  fastest miner; ``--mlxtend-apriori`` adds its ``apriori``, which on 1,000 products takes
  minutes and gigabytes here).

Run: ``.venv/bin/python benchmarks/basket_rules.py`` (``--baskets``, ``--support``,
``--confidence``, ``--repeats``, ``--no-mlxtend``, ``--mlxtend-apriori``). Figures:
``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from collections.abc import Callable

import fim
from harness import report

from lealtad.customer_value import basket

TARGET_SECONDS = 0.3


def median_seconds(fn: Callable[[], object], repeats: int) -> tuple[float, object]:
    result = fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def mlxtend_run(
    baskets: list[list[str]], support: float, confidence: float, miner: str
) -> tuple[float, set]:
    import numpy as np
    import pandas as pd
    from mlxtend import frequent_patterns
    from mlxtend.frequent_patterns import association_rules
    from mlxtend.preprocessing import TransactionEncoder

    start = time.perf_counter()
    encoder = TransactionEncoder()
    onehot = pd.DataFrame(encoder.fit(baskets).transform(baskets), columns=encoder.columns_)
    frequent = getattr(frequent_patterns, miner)(onehot, min_support=support, use_colnames=True)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        association_rules(
            frequent, num_itemsets=len(baskets), metric="confidence", min_threshold=confidence
        )
    took = time.perf_counter() - start
    return took, {
        (frozenset(row.itemsets), round(row.support, 12)) for row in frequent.itertuples()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baskets", type=int, default=100_000)
    parser.add_argument("--support", type=float, default=0.002)
    parser.add_argument("--confidence", type=float, default=0.1)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--no-mlxtend", action="store_true")
    parser.add_argument("--mlxtend-apriori", action="store_true")
    args = parser.parse_args()

    baskets = basket.draw_baskets(args.baskets, seed=1)
    items = sum(len(row) for row in baskets)
    print(
        f"{args.baskets:,} baskets, {items / len(baskets):.2f} items each, 1,000 products; "
        f"min support {args.support:.2%}, min confidence {args.confidence:.0%}"
    )
    chosen = basket.Settings(args.support, args.confidence, max_length=None)
    count = basket.min_count(args.support, len(baskets))

    ours_s, mined = median_seconds(lambda: basket.mine(baskets, chosen), args.repeats)
    raw_s, raw = median_seconds(
        lambda: fim.fpgrowth([*baskets, []], supp=-count, report="a"), args.repeats
    )
    rules_s, raw_rules = median_seconds(
        lambda: fim.fpgrowth(
            [*baskets, []],
            target="r",
            supp=-count,
            conf=args.confidence * 100,
            zmin=2,
            report="c",
            mode="o",
        ),
        args.repeats,
    )
    assert isinstance(mined, basket.Mined)
    ours_sets = {(frozenset(i.items), round(i.support, 12)) for i in mined.itemsets}
    raw_sets = {(frozenset(s), round(c / len(baskets), 12)) for s, c in raw}  # type: ignore[attr-defined]
    print(
        f"  itemsets {len(mined.itemsets):,}, rules {len(mined.rules):,} "
        f"(pyfim's rule mode: {len(raw_rules):,})"
    )  # type: ignore[arg-type]
    print(f"  same itemsets as pyfim raw: {ours_sets == raw_sets}")
    ours_rules = {
        (r.consequent[0], frozenset(r.antecedent), round(r.confidence, 12)) for r in mined.rules
    }
    fim_rules = {(head, frozenset(body), round(conf, 12)) for head, body, conf in raw_rules}  # type: ignore[attr-defined]
    print(f"  same rules and confidences as pyfim's rule mode: {ours_rules == fim_rules}")

    rows = [
        ("lealtad basket.mine (itemsets + rules)", ours_s),
        ("pyfim raw fpgrowth (itemsets)", raw_s),
        ("pyfim fpgrowth target=r (rules)", rules_s),
    ]
    miners = [] if args.no_mlxtend else ["fpgrowth"] + (["apriori"] if args.mlxtend_apriori else [])
    for miner in miners:
        mlx_s, mlx_sets = mlxtend_run(baskets, args.support, args.confidence, miner)
        print(f"  same itemsets as mlxtend {miner}: {ours_sets == mlx_sets}")
        rows.append((f"mlxtend {miner} + association_rules (one run)", mlx_s))
    print()
    print("| engine | seconds | vs lealtad |")
    print("| --- | ---: | ---: |")
    for label, seconds in rows:
        print(f"| {label} | {seconds:.3f} | {seconds / ours_s:.2f}x |")
    print()
    report(f"{args.baskets:,} baskets at {args.support:.1%} support", ours_s, "s", TARGET_SECONDS)


if __name__ == "__main__":
    main()
