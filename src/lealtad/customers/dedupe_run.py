"""Running a batch dedupe over the whole customer base (``lealtad identity dedupe``).

Scores the base read by :mod:`lealtad.customers.dedupe` with the trained model, writes the CSV
report of the pairs, opens a review for each doubtful pair and, with ``apply``, merges each
cluster into its oldest customer through :mod:`lealtad.customers.services.merge_clusters` (the
one merge path, set-based: audited, announced, explainable, reversible).

Apart from :mod:`~lealtad.customers.dedupe` because that module only reads (the base, the
model, the thresholds) and the real-time index of every ingest reads through it too; the
merging here sits above the services, so keeping the two apart keeps the ingest path from
importing itself back (services -> realtime -> dedupe -> merging -> services).
"""

from __future__ import annotations

import csv
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from django.db.models import Q
from rich.progress import Progress

from lealtad.core.audit import Actor
from lealtad.customers.bulk.csv_export import safe_cell
from lealtad.customers.dedupe import (
    Say,
    _quiet,
    batch_workers,
    current_model,
    external_ids,
    load_records,
    thresholds,
)
from lealtad.customers.models import IdentityReview
from lealtad.customers.services import merge_clusters
from lealtad.customers.services.common import ChangeContext
from lealtad.matching import DedupeResult, dedupe

ACTOR_LABEL = "identity dedupe"


@dataclass
class DedupeRun:
    """What a dedupe found and did."""

    result: DedupeResult
    merges: int = 0
    refused: list[str] = field(default_factory=list)
    report_rows: int = 0
    reviews: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return {
            **self.result.summary(),
            "merges": self.merges,
            "refused": len(self.refused),
            "report_rows": self.report_rows,
            "reviews_opened": self.reviews,
            "seconds": {**self.result.timings, **self.seconds},
        }


def run_dedupe(
    apply: bool = False,
    report: Path | None = None,
    threshold: float | None = None,
    say: Say = _quiet,
    reviews: bool | None = None,
    progress: Progress | None = None,
) -> DedupeRun:
    """Score the whole base; write the report; merge the clusters when ``apply``; open a
    review for each pair between the thresholds when ``reviews`` (by default with ``apply``)."""
    upper, lower = thresholds()
    upper = threshold if threshold is not None else upper
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    records = load_records(say, workers=batch_workers())
    seconds["load"] = round(time.perf_counter() - t0, 3)
    model = current_model(say, records)
    result = dedupe(records, model, threshold=upper, report_threshold=lower, progress=say)
    run = DedupeRun(result, seconds=seconds)
    if report is not None:
        t1 = time.perf_counter()
        run.report_rows = write_report(result, report)
        seconds["report"] = round(time.perf_counter() - t1, 3)
    if apply:
        t2 = time.perf_counter()
        run.merges, run.refused = apply_merges(result, say, progress)
        seconds["merge"] = round(time.perf_counter() - t2, 3)
    if apply if reviews is None else reviews:
        t3 = time.perf_counter()
        run.reviews = open_reviews(result, say, merged=apply)
        seconds["reviews"] = round(time.perf_counter() - t3, 3)
    return run


REPORT_COLUMNS = (
    "id_a",
    "id_b",
    "probability",
    "match_weight",
    "linked",
    "cluster",
    "top_comparison",
)


def write_report(result: DedupeResult, path: Path) -> int:
    """One CSV row per reported pair, with both customers' external ids per source system."""
    keys = result.records.keys
    order = np.argsort(-result.probability, kind="stable")
    ids_a = keys[result.i[order]].tolist()
    ids_b = keys[result.j[order]].tolist()
    externals = external_ids(sorted(set(ids_a) | set(ids_b)))
    systems = sorted({s for by_system in externals.values() for s in by_system})
    header = [
        *REPORT_COLUMNS,
        *[f"a_external:{s}" for s in systems],
        *[f"b_external:{s}" for s in systems],
    ]
    cluster_of = keys[result.labels]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for n, k in enumerate(order.tolist()):
            a, b = ids_a[n], ids_b[n]
            linked = result.labels[result.i[k]] == result.labels[result.j[k]]
            row = [
                a,
                b,
                f"{result.probability[k]:.6f}",
                f"{result.weight[k]:.3f}",
                "yes" if linked else "no",
                int(cluster_of[result.i[k]]) if linked else "",
                result.explain(k),
            ]
            row += ["|".join(externals.get(a, {}).get(s, [])) for s in systems]
            row += ["|".join(externals.get(b, {}).get(s, [])) for s in systems]
            writer.writerow([safe_cell(v) for v in row])
    return len(order)


def _reasons(result: DedupeResult) -> dict[int, str]:
    """For each row, the strongest linked pair it is part of, in words."""
    best: dict[int, tuple[float, str]] = {}
    linked = np.nonzero(result.probability >= result.threshold)[0]
    for k in linked.tolist():
        text = f"p={result.probability[k]:.4f}, {result.explain(k)}"
        for row in (int(result.i[k]), int(result.j[k])):
            if row not in best or result.weight[k] > best[row][0]:
                best[row] = (float(result.weight[k]), text)
    return {row: text for row, (_, text) in best.items()}


def open_reviews(result: DedupeResult, say: Say = _quiet, merged: bool = False) -> int:
    """An :class:`IdentityReview` for each pair between the thresholds (not linked into one
    cluster), unless the two customers were already paired in a review of any status.

    With ``merged`` (the clusters were just merged into their oldest customer), a pair names
    the survivors of its two clusters.
    """
    keys = result.records.keys
    if merged:
        oldest = keys.copy()
        np.minimum.at(oldest, result.labels, keys)
        keys = oldest[result.labels]
    doubtful = np.nonzero(
        (result.probability < result.threshold)
        & (result.labels[result.i] != result.labels[result.j])
    )[0]
    if not len(doubtful):
        return 0
    order = doubtful[np.argsort(-result.probability[doubtful], kind="stable")]
    pairs = [(int(keys[result.i[k]]), int(keys[result.j[k]])) for k in order.tolist()]
    seen = _reviewed_pairs(sorted({x for pair in pairs for x in pair}))
    new = []
    for k, (a, b) in zip(order.tolist(), pairs, strict=True):
        pair = (min(a, b), max(a, b))
        if pair in seen:
            continue
        seen.add(pair)
        new.append(_probable_match_review(result, k, pair))
    IdentityReview.objects.bulk_create(new, batch_size=1000)
    say(f"opened {len(new):,} reviews ({len(pairs) - len(new):,} pairs already reviewed)")
    return len(new)


def _reviewed_pairs(ids: list[int]) -> set[tuple[int, int]]:
    """Pairs among ``ids`` already in a review of any status, smaller id first; read in
    slices of 500 ids to keep each IN list within what every database accepts."""
    seen: set[tuple[int, int]] = set()
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        rows = IdentityReview.objects.filter(
            Q(customer_a_id__in=part) | Q(customer_b_id__in=part)
        ).values_list("customer_a_id", "customer_b_id")
        seen.update((min(a, b), max(a, b)) for a, b in rows)
    return seen


def _probable_match_review(result: DedupeResult, k: int, pair: tuple[int, int]) -> IdentityReview:
    p = float(result.probability[k])
    return IdentityReview(
        event_id="",
        customer_a_id=pair[0],
        customer_b_id=pair[1],
        reason=f"probable match (p={p:.2f})",
        evidence={
            "probability": p,
            "weight": float(result.weight[k]),
            "reason": result.explain(k),
            "source": ACTOR_LABEL,
        },
    )


def apply_merges(
    result: DedupeResult, say: Say = _quiet, progress: Progress | None = None
) -> tuple[int, list[str]]:
    """Merge every cluster into its oldest customer (the lowest id), the others in id order,
    set-based (see :mod:`lealtad.customers.services.merge_clusters`)."""
    keys = result.records.keys.tolist()
    reasons = _reasons(result)
    clusters = []
    for rows in result.cluster_members():
        ordered = sorted(rows.tolist(), key=keys.__getitem__)
        absorbed = tuple(
            (keys[row], f"{ACTOR_LABEL}: {reasons.get(row, 'same cluster')}"[:250])
            for row in ordered[1:]
        )
        clusters.append(merge_clusters.Cluster(keys[ordered[0]], absorbed))
    clusters.sort(key=lambda c: c.survivor_id)  # a chunk's customers lie close together
    ctx = ChangeContext(Actor.system(ACTOR_LABEL))
    outcome = merge_clusters.merge_clusters(clusters, ctx, progress=progress)
    say(f"merged {len(outcome.merge_ids):,} customers into {len(clusters):,} survivors")
    return len(outcome.merge_ids), outcome.refused
