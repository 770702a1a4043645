"""Helpers shared by the matching tests."""

from __future__ import annotations

import itertools

import numpy as np

from lealtad.matching import Person, Records
from lealtad.matching.comparisons import Comparison


def level(comparison: Comparison, a: Person, b: Person) -> str:
    """The label of the level ``comparison`` gives the pair (a, b)."""
    records = Records.from_people([a, b])
    levels = comparison.compute(records, np.array([0]), np.array([1]))
    return comparison.labels[int(levels[0])]


def true_pairs(entity: dict[int, int]) -> set[tuple[int, int]]:
    groups: dict[int, list[int]] = {}
    for key, owner in entity.items():
        groups.setdefault(owner, []).append(key)
    out: set[tuple[int, int]] = set()
    for members in groups.values():
        out.update(itertools.combinations(sorted(members), 2))
    return out


def f1(found: set[tuple[int, int]], truth: set[tuple[int, int]]) -> float:
    tp = len(found & truth)
    if not found or not truth:
        return 0.0
    precision, recall = tp / len(found), tp / len(truth)
    return 2 * precision * recall / (precision + recall) if tp else 0.0
