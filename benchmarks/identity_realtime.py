"""Identity resolution at a million customers: batch dedupe and one-event lookups, in process.

Generates ``--customers`` synthetic Latin-American customers (20 % duplicates with accents
dropped, "Ma." for María, nicknames, typos in names, cédula and birth date, national phone
formats, …; see ``lealtad.matching.synthetic``), then measures:

* batch: normalize → train → block → score → cluster, wall clock and peak memory (RSS);
  accuracy against the generated truth;
* realtime: build the in-memory :class:`lealtad.matching.realtime.Index`, then resolve
  ``--queries`` incoming records one at a time (half are variants of known customers, half
  strangers): p50 / p99 latency.

The database is not involved (reading a million customers from it is measured by
``lealtad identity dedupe``'s "load" time); see ``docs/performance.md``.

Run: ``.venv/bin/python benchmarks/identity_realtime.py --customers 1000000``
"""

from __future__ import annotations

import argparse
import itertools
import random
import resource
import time

import numpy as np

from lealtad.matching import Person, dedupe, train
from lealtad.matching.realtime import Index
from lealtad.matching.records import RecordsBuilder
from lealtad.matching.synthetic import duplicate, population


def peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()

    t = time.perf_counter()
    truth = population(args.customers, duplicate_share=0.2, seed=args.seed)
    generated = time.perf_counter() - t
    entity = truth.entity
    print(f"generated {args.customers:,} people in {generated:.1f} s", flush=True)

    t0 = time.perf_counter()
    builder = RecordsBuilder()
    for person in truth.people:
        builder.add(person)
    records = builder.build()
    sample = [
        truth.people[k] for k in range(0, len(truth.people), max(1, len(truth.people) // 500))
    ]
    del truth, builder
    t1 = time.perf_counter()
    print(f"normalized in {t1 - t0:.1f} s (peak {peak_gb():.2f} GB)", flush=True)
    model = train(records)
    t2 = time.perf_counter()
    print(f"trained in {t2 - t1:.1f} s: λ={model.lam:.3g} (peak {peak_gb():.2f} GB)", flush=True)
    result = dedupe(records, model, threshold=0.99)
    t3 = time.perf_counter()
    print(
        f"dedupe in {t3 - t2:.1f} s {result.timings}: {result.candidates:,} candidate pairs, "
        f"{len(result.cluster_members()):,} clusters (peak {peak_gb():.2f} GB)",
        flush=True,
    )
    found: set[tuple[int, int]] = set()
    for rows in result.cluster_members():
        found.update(itertools.combinations(sorted(records.keys[rows].tolist()), 2))
    groups: dict[int, list[int]] = {}
    for key, owner in entity.items():
        groups.setdefault(owner, []).append(key)
    true: set[tuple[int, int]] = set()
    for members in groups.values():
        true.update(itertools.combinations(sorted(members), 2))
    tp = len(found & true)
    p, r = tp / max(1, len(found)), tp / max(1, len(true))
    print(
        f"batch total (normalize + train + dedupe) {t3 - t0:.1f} s; "
        f"precision {p:.4f} recall {r:.4f} F1 {2 * p * r / max(p + r, 1e-9):.4f}; "
        f"peak RSS {peak_gb():.2f} GB",
        flush=True,
    )

    t4 = time.perf_counter()
    index = Index(records, model)
    print(f"index built in {time.perf_counter() - t4:.1f} s (peak {peak_gb():.2f} GB)", flush=True)
    rng = random.Random(args.seed + 1)
    queries: list[tuple[Person, int | None]] = []
    for k in range(args.queries):
        if k % 2 == 0:
            source = rng.choice(sample)
            queries.append((duplicate(rng, source, 0), entity[source.key]))
        else:
            queries.append((Person(0, "Zoila Esther", "Xiloj", "Ajú", "1931-07-19"), None))
    for person, _ in queries[:20]:  # warm-up
        index.resolve(person, 0.99, 0.5)
    latencies, hits, known = [], 0, 0
    for person, owner in queries:
        start = time.perf_counter()
        decision = index.resolve(person, 0.99, 0.5)
        latencies.append(time.perf_counter() - start)
        if owner is not None:
            known += 1
            hits += int(decision.best is not None and entity[decision.best.key] == owner)
    ms = np.array(latencies) * 1000
    print(
        f"realtime: {len(queries)} lookups against {len(records):,} customers: "
        f"p50 {np.percentile(ms, 50):.2f} ms, p99 {np.percentile(ms, 99):.2f} ms, "
        f"max {ms.max():.2f} ms; best candidate right for {hits}/{known} known people",
        flush=True,
    )


if __name__ == "__main__":
    main()
