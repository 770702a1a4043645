"""Market-basket rules: the same itemsets and rules as mlxtend on seeded baskets, exact
counts on hand-made ones, and refusals that name the bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mlxtend.frequent_patterns import apriori, association_rules
from mlxtend.preprocessing import TransactionEncoder

from lealtad.customer_value import basket


def mlxtend_mined(baskets, min_support, min_confidence, max_length):
    """mlxtend's answer (its own divide-by-zero warnings on degenerate metrics silenced)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return _mlxtend_mined(baskets, min_support, min_confidence, max_length)


def _mlxtend_mined(baskets, min_support, min_confidence, max_length):
    encoder = TransactionEncoder()
    onehot = pd.DataFrame(encoder.fit(baskets).transform(baskets), columns=encoder.columns_)
    frequent = apriori(onehot, min_support=min_support, use_colnames=True, max_len=max_length)
    itemsets = {frozenset(row.itemsets): row.support for row in frequent.itertuples()}
    if frequent.empty:
        return itemsets, {}
    found = association_rules(
        frequent, num_itemsets=len(baskets), metric="confidence", min_threshold=min_confidence
    )
    rules = {
        (frozenset(row.antecedents), frozenset(row.consequents)): (
            row.support,
            row.confidence,
            row.lift,
        )
        for row in found.itertuples()
    }
    return itemsets, rules


def ours(mined):
    itemsets = {frozenset(i.items): i.support for i in mined.itemsets}
    rules = {
        (frozenset(r.antecedent), frozenset(r.consequent)): (r.support, r.confidence, r.lift)
        for r in mined.rules
    }
    return itemsets, rules


def assert_same(mine, theirs):
    assert mine.keys() == theirs.keys()
    for key, values in theirs.items():
        got = mine[key] if isinstance(mine[key], tuple) else (mine[key],)
        want = values if isinstance(values, tuple) else (values,)
        assert got == pytest.approx(want, abs=1e-9, rel=0), key


@pytest.mark.parametrize(
    ("seed", "count", "min_support", "min_confidence", "max_length"),
    [(1, 3000, 0.01, 0.2, None), (2, 2000, 0.005, 0.1, 3), (3, 1500, 0.02, 0.0, 2)],
)
def test_identical_to_mlxtend_on_seeded_baskets(
    seed, count, min_support, min_confidence, max_length
):
    baskets = basket.draw_baskets(count, items=150, bundles=12, seed=seed)
    theirs_sets, theirs_rules = mlxtend_mined(baskets, min_support, min_confidence, max_length)
    assert len(theirs_rules) > 20  # the generator's bundles give real rules to compare
    every_split = basket.Settings(min_support, min_confidence, max_length, max_consequent=None)
    mine_sets, mine_rules = ours(basket.mine(baskets, every_split))
    assert_same(mine_sets, theirs_sets)
    assert_same(mine_rules, theirs_rules)
    # the cross-sell default keeps exactly mlxtend's one-item consequents
    one_item = basket.Settings(min_support, min_confidence, max_length)
    _, single = ours(basket.mine(baskets, one_item))
    assert_same(single, {k: v for k, v in theirs_rules.items() if len(k[1]) == 1})


def test_counts_by_hand():
    mined = basket.mine(
        [["tent", "stove", "lamp"], ["tent", "stove"], ["tent", "stove", "tent"], ["lamp"], []],
        basket.Settings(min_support=0.4, min_confidence=0.5),
    )
    assert mined.baskets == 5
    assert [(i.items, i.count) for i in mined.itemsets] == [
        (("stove",), 3),
        (("tent",), 3),
        (("stove", "tent"), 3),
        (("lamp",), 2),
    ]
    assert [(r.antecedent, r.consequent, r.count, r.confidence) for r in mined.rules] == [
        (("stove",), ("tent",), 3, 1.0),
        (("tent",), ("stove",), 3, 1.0),
    ]
    assert mined.rules[0].lift == pytest.approx(5 / 3) and mined.rules[0].support == 0.6


def test_an_item_in_every_basket_is_still_found():
    mined = basket.mine([["a", "b"], ["a", "b"], ["a"]], basket.Settings(min_support=0.5))
    assert {i.items: i.count for i in mined.itemsets} == {("a",): 3, ("b",): 2, ("a", "b"): 2}


def test_csr_pair_gives_the_same_rules():
    baskets = basket.draw_baskets(500, items=40, bundles=5, seed=7)
    codes = sorted({item for row in baskets for item in row})
    number = {code: index for index, code in enumerate(codes)}
    offsets = [0]
    flat: list[int] = []
    for row in baskets:
        flat.extend(number[item] for item in row)
        offsets.append(len(flat))
    chosen = basket.Settings(min_support=0.02, min_confidence=0.3)
    by_code = basket.mine(baskets, chosen)
    by_number = basket.mine(basket.from_csr(offsets, flat), chosen)
    renumbered = {
        (tuple(sorted(number[i] for i in r.antecedent)), number[r.consequent[0]], r.confidence)
        for r in by_code.rules
    }
    assert renumbered == {(r.antecedent, r.consequent[0], r.confidence) for r in by_number.rules}
    assert len(renumbered) == len(by_code.rules) > 0


def test_min_lift_and_max_length():
    baskets = basket.draw_baskets(2000, items=80, bundles=8, seed=4)
    wide = basket.mine(baskets, basket.Settings(min_support=0.005, min_confidence=0.1))
    lifted = basket.mine(baskets, basket.Settings(0.005, 0.1, min_lift=2.0))
    assert {(r.antecedent, r.consequent) for r in lifted.rules} == {
        (r.antecedent, r.consequent) for r in wide.rules if r.lift >= 2.0
    }
    best = basket.mine(baskets, basket.Settings(0.005, 0.1, max_rules=5))
    assert best.rules == wide.rules[:5]
    pairs = basket.mine(baskets, basket.Settings(0.005, 0.1, max_length=2))
    assert max(len(i.items) for i in pairs.itemsets) == 2
    assert [r.lift for r in wide.rules] == sorted((r.lift for r in wide.rules), reverse=True)


@pytest.mark.parametrize(
    ("baskets", "message"),
    [
        ([], "baskets: no baskets to mine"),
        ([["a"], ["b", None]], "baskets: row 1 holds an empty item code"),
        ([["a"], ["b", ""]], "baskets: row 1 holds an empty item code"),
        ([["a"], "ab"], "baskets: row 1 is a string"),
    ],
)
def test_bad_baskets_are_named(baskets, message):
    with pytest.raises(ValueError, match=message):
        basket.mine(baskets)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"min_support": 0}, "min_support"),
        ({"min_support": 1.5}, "min_support"),
        ({"min_confidence": -0.1}, "min_confidence"),
        ({"max_length": 0}, "max_length"),
        ({"max_consequent": 0}, "max_consequent"),
        ({"min_lift": float("nan")}, "min_lift"),
        ({"max_rules": 0}, "max_rules"),
    ],
)
def test_bad_settings_are_named(kwargs, field):
    with pytest.raises(ValueError, match=f"^{field}:"):
        basket.Settings(**kwargs)


def test_bad_csr_pair():
    with pytest.raises(ValueError, match="offsets: must start at 0"):
        basket.from_csr([0, 2], [1, 2, 3])
    with pytest.raises(ValueError, match="offsets: decrease at position 2"):
        basket.from_csr([0, 2, 1, 3], [1, 2, 3])


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from("abcdef"), max_size=5), min_size=1, max_size=30),
    st.sampled_from([0.05, 0.1, 0.3, 0.5, 1.0]),
)
def test_any_baskets_match_mlxtend(baskets, min_support):
    theirs_sets, theirs_rules = mlxtend_mined(baskets, min_support, 0.0, None)
    mined = basket.mine(baskets, basket.Settings(min_support, 0.0, None, max_consequent=None))
    mine_sets, mine_rules = ours(mined)
    assert_same(mine_sets, theirs_sets)
    assert_same(mine_rules, theirs_rules)
