"""Clusters from scored pairs: connected components, strongest links first, size-capped.

Plain connected components chain: A-B and B-C link A and C even when A and C disagree on
everything. Linking the strongest pairs first and refusing a link that would make a cluster
larger than ``max_size`` keeps a run of weak links from gluing unrelated customers together.
"""

from __future__ import annotations

import numpy as np


def clusters(
    n: int,
    i: np.ndarray,
    j: np.ndarray,
    weight: np.ndarray,
    max_size: int = 50,
) -> np.ndarray:
    """A cluster label per row (the smallest row number in its cluster)."""
    parent = list(range(n))
    size = [1] * n

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    order = np.argsort(-weight, kind="stable")
    for a, b in zip(i[order].tolist(), j[order].tolist(), strict=True):
        ra, rb = root(a), root(b)
        if ra == rb or size[ra] + size[rb] > max_size:
            continue
        if size[ra] < size[rb]:
            ra, rb = rb, ra
        parent[rb] = ra
        size[ra] += size[rb]
    roots = np.fromiter((root(x) for x in range(n)), dtype=np.int64, count=n)
    smallest = np.full(n, n, dtype=np.int64)
    np.minimum.at(smallest, roots, np.arange(n))
    return smallest[roots]


def members(labels: np.ndarray) -> list[np.ndarray]:
    """Rows of every cluster with more than one member."""
    order = np.argsort(labels, kind="stable")
    sorted_labels = labels[order]
    cuts = np.nonzero(np.diff(sorted_labels))[0] + 1
    groups = np.split(order, cuts)
    return [g for g in groups if len(g) > 1]
