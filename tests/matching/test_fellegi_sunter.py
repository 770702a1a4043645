"""Estimating m, u and λ without labels; scoring; term frequencies; the model file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from lealtad.matching import Model, Person, Records
from lealtad.matching import fellegi_sunter as fs


def test_em_recovers_known_m_and_lambda() -> None:
    rng = np.random.default_rng(5)
    n_levels = [4, 4, 3]
    m_true = [np.array([0, 0.8, 0.15, 0.05]), np.array([0, 0.7, 0.2, 0.1]), np.array([0, 0.9, 0.1])]
    u_true = [
        np.array([0, 0.01, 0.09, 0.9]),
        np.array([0, 0.02, 0.08, 0.9]),
        np.array([0, 0.05, 0.95]),
    ]
    lam, n = 0.2, 40_000
    match = rng.random(n) < lam
    levels = np.empty((n, 3), dtype=np.int8)
    for k in range(3):
        p_match, p_non = m_true[k][1:], u_true[k][1:]
        levels[match, k] = 1 + rng.choice(len(p_match), size=match.sum(), p=p_match)
        levels[~match, k] = 1 + rng.choice(len(p_non), size=(~match).sum(), p=p_non)
    est_lam, m, _, _ = fs.expectation_maximisation(levels, n_levels, u_true, [0, 1, 2])
    assert abs(est_lam - lam) < 0.01
    for k in range(3):
        assert np.abs(m[k][1:] - m_true[k][1:]).max() < 0.02


def test_a_match_on_a_rare_surname_weighs_more_than_on_a_common_one() -> None:
    people = [Person(k, "Ana", "García") for k in range(50)]
    people += [Person(100, "Ana", "Quishpe"), Person(101, "Ana", "Quishpe")]
    records = Records.from_people(people)
    model = Model.untrained()
    scores = fs.score(model, records, np.array([0, 50]), np.array([1, 51]))
    assert scores.weight[1] > scores.weight[0] + 3


def test_model_round_trips_through_json(tmp_path: Path) -> None:
    model = Model.untrained()
    model.lam = 0.0123
    path = tmp_path / "identity" / "model.json"
    model.save(path)
    loaded = Model.load(path)
    assert loaded.lam == model.lam
    assert [c.name for c in loaded.comparisons] == [c.name for c in model.comparisons]
    for a, b in zip(loaded.m, model.m, strict=True):
        assert np.allclose(a, b)


@given(st.integers(1, 6), st.integers(0, 200), st.integers(1, 7), st.integers(0, 2**32 - 1))
def test_patterns_are_the_distinct_rows_with_their_counts(
    columns: int, rows: int, top: int, seed: int
) -> None:
    levels = np.random.default_rng(seed).integers(0, top, size=(rows, columns)).astype(np.int8)
    found, counts = fs.patterns(levels)
    expected, expected_counts = np.unique(levels, axis=0, return_counts=True)
    np.testing.assert_array_equal(found, expected)
    np.testing.assert_array_equal(counts, expected_counts.astype(np.float64))
