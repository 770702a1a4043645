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

With ``--database N`` it then measures the nightly step end to end on the database that
``LEALTAD_HOME`` / ``LEALTAD_DATABASE_URL`` name: N orders of those baskets (made once, with
the project's insert helper, 1,000 products ``BSK-P…``), read back through
``commerce.selectors.order_baskets`` and mined and stored by
``analytics.services.basket.mine_rules``.

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


def median_seconds(fn: Callable[[], object], repeats: int) -> tuple[tuple[float, float], object]:
    """Median of ``repeats`` after a warm-up (the fastest is kept for the table: on a shared
    2-core machine the median carries other processes' load)."""
    result = fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return (statistics.median(times), min(times)), result


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


def make_orders(baskets: list[list[str]]) -> None:
    """Products and one order per basket, unless the base has them already."""
    from datetime import UTC, datetime
    from decimal import Decimal

    from django.db import transaction

    from lealtad.commerce.models import Order, OrderLine, Product, Variant
    from lealtad.core.db import insert_new, new_row, reserve_ids

    have = Order.objects.filter(number__startswith="BSK").count()
    if have >= len(baskets):
        print(f"database: {have:,} basket orders already there")
        return
    codes = sorted({code for row in baskets for code in row})
    if not Product.objects.filter(code=f"BSK-{codes[0]}").exists():
        with transaction.atomic():
            products = [new_row(Product, code=f"BSK-{code}", name_es=code) for code in codes]
            insert_new(products)
            insert_new(
                [new_row(Variant, product_id=p.pk, sku=p.code, price=Decimal(1)) for p in products]
            )
    variant = dict(Variant.objects.filter(sku__startswith="BSK-").values_list("sku", "pk"))
    one, zero, now = Decimal(1), Decimal(0), datetime.now(UTC)
    for start in range(have, len(baskets), 20_000):
        part = baskets[start : start + 20_000]
        with transaction.atomic():
            ids = reserve_ids(Order, len(part))
            insert_new(
                [
                    new_row(
                        Order,
                        id=oid,
                        number=f"BSK{oid}",
                        customer_id=1 + oid % 30_000,
                        channel="pos",
                        status="completed",
                        fulfilment="take_now",
                        currency="USD",
                        tax_country="EC",
                        tax_rate=zero,
                        subtotal=one,
                        discount=zero,
                        tax=zero,
                        total=one,
                        placed_at=now,
                    )
                    for oid in ids
                ]
            )
            insert_new(
                [
                    new_row(
                        OrderLine,
                        order_id=oid,
                        variant_id=variant[f"BSK-{code}"],
                        sku=f"BSK-{code}",
                        description=code,
                        quantity=1,
                        unit_price=one,
                        discount=zero,
                        tax=zero,
                        total=one,
                    )
                    for oid, row in zip(ids, part, strict=True)
                    for code in row
                ]
            )
        print(f"database: {start + len(part):,} orders", end="\r", flush=True)
    print()


def database_run(count: int, support: float, confidence: float) -> None:
    import os
    import sys

    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lealtad.settings")
    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    call_command("migrate", verbosity=0)
    from lealtad.analytics.services import basket as services
    from lealtad.commerce import selectors

    make_orders(basket.draw_baskets(count, seed=1))
    print(f"database: {connection.vendor}")
    start = time.perf_counter()
    read = sum(1 for _ in selectors.order_baskets())
    took_read = time.perf_counter() - start
    chosen = basket.Settings(support, confidence, max_length=3, max_rules=5000)
    start = time.perf_counter()
    stored = services.mine_rules(None, chosen)
    took_all = time.perf_counter() - start
    report(f"order_baskets: {read:,} orders read", took_read, "s")
    report(f"mine_rules: read, mine, store {stored:,} rules", took_all, "s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baskets", type=int, default=100_000)
    parser.add_argument("--support", type=float, default=0.002)
    parser.add_argument("--confidence", type=float, default=0.1)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--no-mlxtend", action="store_true")
    parser.add_argument("--mlxtend-apriori", action="store_true")
    parser.add_argument("--database", type=int, default=0, metavar="N")
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
        rows.append((f"mlxtend {miner} + association_rules (one run)", (mlx_s, mlx_s)))
    print()
    print("| engine | seconds, median (fastest) | vs lealtad |")
    print("| --- | ---: | ---: |")
    for label, (seconds, fastest) in rows:
        shown = f"{seconds:.3f}" + (f" ({fastest:.3f})" if fastest != seconds else "")
        print(f"| {label} | {shown} | {seconds / ours_s[0]:.2f}x |")
    print()
    label = f"{args.baskets:,} baskets at {args.support:.1%} support"
    report(label + ", median", ours_s[0], "s", TARGET_SECONDS)
    report(label + ", fastest", ours_s[1], "s", TARGET_SECONDS)
    if args.database:
        print()
        database_run(args.database, args.support, args.confidence)


if __name__ == "__main__":
    main()
