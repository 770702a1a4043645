"""Market-basket rules for cross-sell: frequent itemsets and association rules.

The engine is pyfim (Christian Borgelt's C implementation, ``import fim``), which DESIGN.md
chose for being 20-35x faster than mlxtend. This module is the typed front of it: baskets in
(lists of item codes, or a CSR-like pair of arrays), plain rows out, with the definitions
mlxtend uses so results can be compared one to one:

* ``support`` of an itemset: the share of baskets holding all its items (``count / n``);
* a rule ``antecedent → consequent`` is kept when its itemset is frequent and its
  ``confidence = count(A and C) / count(A)`` reaches ``min_confidence``;
* ``lift = confidence / support(C)``: how much more often C is bought with A than at all.

Why the itemsets come from pyfim and the rules are derived here: pyfim's own rule mode counts
a rule's support on its antecedent alone unless told otherwise (``mode="o"``), and derives only
one-item consequents; deriving rules from the itemset counts costs a few milliseconds, keeps
every figure an exact ratio of integer counts, and allows longer consequents when asked.

Two quirks of pyfim 6.28 this module hides: an item repeated inside one basket makes it drop
that basket's itemsets (baskets are made sets first), and an itemset present in *every*
basket is never reported (one empty basket is appended for the engine; counts are absolute,
so no support changes).

Examples:
    >>> rules = mine([["tent", "stove"], ["tent", "stove", "lamp"], ["tent"], ["lamp"]],
    ...              Settings(min_support=0.5, min_confidence=0.6)).rules
    >>> [(r.antecedent, r.consequent, r.confidence) for r in rules]
    [(('stove',), ('tent',), 1.0), (('tent',), ('stove',), 0.6666666666666666)]
"""

from __future__ import annotations

import gc
import math
from collections.abc import Hashable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import combinations, pairwise

import numpy as np
from numpy.typing import ArrayLike

Item = Hashable


@dataclass(frozen=True)
class Settings:
    """The defaults are the shop's nightly ones (0.2% of baskets, 10% confidence, rules of at
    most two items bought and one offered, the best 5,000 by lift).

    ``min_support``: share of baskets (0-1]; ``max_length``: items per itemset (None: no
    limit); ``max_consequent``: items on a rule's right side (1 is the cross-sell case, None:
    any split, as mlxtend's ``association_rules``); ``max_rules``: keep the best rules by
    lift (None: all; a stored rule set and a cross-sell lookup stay bounded)."""

    min_support: float = 0.002
    min_confidence: float = 0.1
    max_length: int | None = 3
    max_consequent: int | None = 1
    min_lift: float = 0.0
    max_rules: int | None = 5000

    def __post_init__(self) -> None:
        if not 0 < self.min_support <= 1:
            raise ValueError("min_support: must be above 0 and at most 1")
        if not 0 <= self.min_confidence <= 1:
            raise ValueError("min_confidence: must be between 0 and 1")
        if self.max_length is not None and self.max_length < 1:
            raise ValueError("max_length: must be at least 1 (or None for no limit)")
        if self.max_consequent is not None and self.max_consequent < 1:
            raise ValueError("max_consequent: must be at least 1 (or None for any)")
        if not self.min_lift >= 0:
            raise ValueError("min_lift: must be ≥ 0")
        if self.max_rules is not None and self.max_rules < 1:
            raise ValueError("max_rules: must be at least 1 (or None for all)")


@dataclass(frozen=True)
class Itemset:
    items: tuple[Item, ...]
    count: int
    support: float


@dataclass(frozen=True)
class Rule:
    antecedent: tuple[Item, ...]
    consequent: tuple[Item, ...]
    count: int  # baskets holding antecedent and consequent
    support: float
    confidence: float
    lift: float


@dataclass(frozen=True)
class Mined:
    baskets: int
    itemsets: list[Itemset]
    rules: list[Rule]


def _order(items: Iterable[Item]) -> tuple[Item, ...]:
    """Items in a stable order whatever their type (numbers first, then text)."""
    return tuple(sorted(items, key=lambda item: (isinstance(item, str), item)))


def transactions(baskets: Iterable[Iterable[Item]]) -> list[set[Item]]:
    """The baskets as sets (pyfim drops a basket's itemsets when an item repeats in it);
    ``ValueError`` naming the first basket that is a string or holds a missing (None) or
    empty item code. Checked in bulk (one union of all baskets) and searched row by row only
    when something is wrong: the per-basket Python work is what a mining run spends most on.
    """
    rows = baskets if isinstance(baskets, list) else list(baskets)
    kinds = set(map(type, rows))
    if str in kinds or bytes in kinds:
        row = next(row for row, basket in enumerate(rows) if isinstance(basket, (str, bytes)))
        raise ValueError(f"baskets: row {row} is a string, not a list of item codes")
    clean = list(map(set, rows))
    every = set().union(*clean)
    if None in every or "" in every:
        row = next(row for row, items in enumerate(clean) if None in items or "" in items)
        raise ValueError(f"baskets: row {row} holds an empty item code")
    return clean


def from_csr(offsets: ArrayLike, items: ArrayLike) -> list[list[Item]]:
    """Baskets from a CSR-like pair: basket ``i`` is ``items[offsets[i]:offsets[i + 1]]``."""
    bounds = np.asarray(offsets, dtype=np.int64).ravel()
    codes = np.asarray(items).ravel()
    if bounds.size == 0 or bounds[0] != 0 or bounds[-1] != codes.size:
        raise ValueError(f"offsets: must start at 0 and end at len(items) = {codes.size}")
    steps = np.flatnonzero(np.diff(bounds) < 0)
    if steps.size:
        raise ValueError(f"offsets: decrease at position {int(steps[0]) + 1}")
    values = codes.tolist()
    starts = bounds.tolist()
    return [values[start:end] for start, end in pairwise(starts)]


def min_count(min_support: float, baskets: int) -> int:
    """The fewest baskets an itemset needs: the smallest ``c`` with ``c / n ≥ min_support``
    (computed as mlxtend compares, in floating point)."""
    count = max(1, math.ceil(min_support * baskets))
    while count > 1 and (count - 1) / baskets >= min_support:
        count -= 1
    while count / baskets < min_support:
        count += 1
    return count


def frequent_counts(
    baskets: list[set[Item]], min_support: float, max_length: int | None
) -> dict[frozenset[Item], int]:
    """pyfim's FP-growth over already clean baskets: itemset → count."""
    import fim

    n = len(baskets)
    baskets.append(set())  # no itemset in every basket: pyfim would not report it
    try:
        found = fim.fpgrowth(
            baskets,
            target="s",
            supp=-min_count(min_support, n),
            zmin=1,
            zmax=max_length if max_length is not None else -1,
            report="a",
        )
    finally:
        baskets.pop()
    return {frozenset(items): count for items, count in found}


def derive_rules(
    counts: dict[frozenset[Item], int], baskets: int, settings: Settings
) -> list[Rule]:
    """Every rule of every frequent itemset of two items or more meeting the settings."""
    rules = []
    for itemset, count in counts.items():
        size = len(itemset)
        if size < 2:
            continue
        widest = (
            size - 1 if settings.max_consequent is None else min(size - 1, settings.max_consequent)
        )
        for width in range(1, widest + 1):
            for consequent in combinations(itemset, width):
                head = frozenset(consequent)
                body = itemset - head
                confidence = count / counts[body]
                if confidence < settings.min_confidence:
                    continue
                lift = confidence * baskets / counts[head]
                if lift < settings.min_lift:
                    continue
                rules.append(
                    Rule(_order(body), _order(head), count, count / baskets, confidence, lift)
                )
    rules.sort(key=lambda r: (-r.lift, -r.confidence, str(r.antecedent), str(r.consequent)))
    return rules if settings.max_rules is None else rules[: settings.max_rules]


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector held while a run builds its objects.

    Why: a run makes a set per basket and a tuple per itemset, none of them cyclic, and
    each batch of allocations would trigger a collection that walks every object alive, the
    caller's baskets included: on 100,000 baskets that tripled the run (0.05 s of sets took
    0.3 s). The collector is back, as it was, when the run ends or fails."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def mine(baskets: Iterable[Iterable[Item]], settings: Settings | None = None) -> Mined:
    """Frequent itemsets (most frequent first) and rules (highest lift first)."""
    settings = settings or Settings()
    with _collector_paused():
        return _mine(baskets, settings)


def _mine(baskets: Iterable[Iterable[Item]], settings: Settings) -> Mined:
    clean = transactions(baskets)
    if not clean:
        raise ValueError("baskets: no baskets to mine")
    n = len(clean)
    counts = frequent_counts(clean, settings.min_support, settings.max_length)
    itemsets = sorted(
        (Itemset(_order(items), count, count / n) for items, count in counts.items()),
        key=lambda itemset: (-itemset.count, len(itemset.items), str(itemset.items)),
    )
    return Mined(n, itemsets, derive_rules(counts, n, settings))


def draw_baskets(
    count: int, *, items: int = 1000, bundles: int = 40, seed: int = 0
) -> list[list[str]]:
    """Seeded shop baskets for tests and benchmarks: item popularity falls off as a power law
    (a few best sellers, a long tail), one basket in three holds most of a bundle (tent +
    stove + lamp…), so there are real rules to find among the chance co-occurrences."""
    rng = np.random.default_rng(seed)
    codes = np.array([f"P{index:04d}" for index in range(items)])
    weight = 1.0 / np.arange(1, items + 1) ** 0.9
    weight /= weight.sum()
    sizes = 1 + rng.poisson(2.5, count)
    picks = rng.choice(items, size=int(sizes.sum()), p=weight)
    groups = [
        rng.choice(items, size=int(rng.integers(2, 5)), replace=False) for _ in range(bundles)
    ]
    chosen = rng.integers(0, bundles, count)
    with_bundle = rng.random(count) < 1 / 3
    baskets, start = [], 0
    for row in range(count):
        end = start + int(sizes[row])
        basket = set(picks[start:end].tolist())
        if with_bundle[row]:
            group = groups[int(chosen[row])]
            basket.update(group[rng.random(group.size) < 0.8].tolist())
        baskets.append(sorted(codes[list(basket)].tolist()))
        start = end
    return baskets


__all__ = [
    "Item",
    "Itemset",
    "Mined",
    "Rule",
    "Settings",
    "derive_rules",
    "draw_baskets",
    "frequent_counts",
    "from_csr",
    "min_count",
    "mine",
    "transactions",
]
