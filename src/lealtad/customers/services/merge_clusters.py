"""Merging customers who are one person: a pair a person chose, or the thousands of clusters
``lealtad identity dedupe --apply`` finds. One path for both (a pair is a cluster of one).

A chunk of clusters is read in a few set-based queries (:mod:`.merge_reads`), every merge is
worked out in memory (the golden record by the survivorship rules, what moves, consent never
widened), and the result is written with one ``executemany`` per table. Each merge gets its
own :class:`Merge` row with the snapshot :func:`~.merges.unmerge` reads and its two audit
entries, so undoing one works the same whichever way it was made.

Other contexts hear of a merge through ``customer.merged`` (``{"merge_id", "survivor_id",
"absorbed_id", "reason"}``), or, when a chunk made several, through one
``customer.merged_batch`` event (``{"count": n, "merges": [...]}``, each item what
``customer.merged`` carries), in the chunk's transaction: each ``customer.merged`` would cost
the dispatcher about 8 ms (its deliveries, savepoints and settling), minutes for a large
dedupe. Every subscriber of ``customer.merged`` also handles the batch, set-based.

A cluster ``[s, a1, a2, …]`` becomes the merges ``a1 → s``, ``a2 → s``, … in that order: the
snapshot of ``a2 → s`` holds ``s`` as it was after ``a1`` joined it, and the merges are stamped
a microsecond apart so ``unmerge`` undoes them last first.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator, Sequence

from django.db import transaction
from rich.progress import Progress

from lealtad.customers.services.common import ChangeContext
from lealtad.customers.services.merge_chunk import (
    MERGED,
    MERGED_BATCH,
    Cluster,
    MergeChunk,
    MergeClock,
    Outcome,
    Refusal,
)

__all__ = ["MERGED", "MERGED_BATCH", "Cluster", "Outcome", "Refusal", "merge_clusters"]

CHUNK_MERGES = 2_000  # merges per transaction, and per ``customer.merged_batch`` event


# Entry point ----------------------------------------------------------------------------


def merge_clusters(
    clusters: Sequence[Cluster],
    ctx: ChangeContext,
    chunk: int = CHUNK_MERGES,
    progress: Progress | None = None,
) -> Outcome:
    """Merge every cluster into its survivor, ``chunk`` merges per transaction.

    A pair the customers' state does not allow (a customer merged meanwhile, or into
    itself) is skipped and listed in ``Outcome.refusals``; a customer named in two clusters
    is bad input and nothing is written.
    """
    _check_disjoint(clusters)
    total = sum(len(c.absorbed) for c in clusters)
    task = progress.add_task("merging clusters", total=total) if progress is not None else None
    outcome, clock = Outcome(), MergeClock()
    for part in _chunks(clusters, chunk):
        with _cycle_collector_paused(), transaction.atomic():
            MergeChunk(part, ctx, clock, outcome).run()
        if progress is not None and task is not None:
            progress.advance(task, sum(len(c.absorbed) for c in part))
    return outcome


@contextlib.contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """A chunk allocates many short-lived objects and no reference cycles: meanwhile the
    cycle collector would only rescan all the process holds (in a dedupe, the matcher's
    records too), a fifth of the time on FEBRL. Refcounting frees the chunk's objects."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _check_disjoint(clusters: Sequence[Cluster]) -> None:
    """A customer in two clusters is bad input; one named twice in a cluster (or merged into
    itself) is a refusal, as when a person asks for it."""
    seen: set[int] = set()
    for cluster in clusters:
        named = {cluster.survivor_id, *(a for a, _ in cluster.absorbed)}
        if clash := named & seen:
            raise ValueError(f"customer {min(clash)} is named in two clusters")
        seen |= named


def _chunks(clusters: Sequence[Cluster], size: int) -> Iterator[list[Cluster]]:
    """Whole clusters (a cluster's merges depend on one another), about ``size`` merges each."""
    part: list[Cluster] = []
    merges = 0
    for cluster in clusters:
        part.append(cluster)
        merges += len(cluster.absorbed)
        if merges >= size:
            yield part
            part, merges = [], 0
    if part:
        yield part
