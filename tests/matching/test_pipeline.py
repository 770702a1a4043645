"""Blocking, training and dedupe on synthetic Spanish-language customers; realtime lookups."""

from __future__ import annotations

import itertools

import numpy as np

from lealtad.matching import Person, Records, blocking, dedupe, train
from lealtad.matching.realtime import Index
from lealtad.matching.synthetic import population
from tests.matching.conftest import f1, true_pairs


def _found(records: Records, clusters: list[np.ndarray]) -> set[tuple[int, int]]:
    out: set[tuple[int, int]] = set()
    for rows in clusters:
        out.update(itertools.combinations(sorted(records.keys[rows].tolist()), 2))
    return out


def test_blocking_finds_nearly_every_true_pair() -> None:
    truth = population(3000, seed=11)
    records = Records.from_people(truth.people)
    pos = {k: i for i, k in enumerate(records.keys.tolist())}
    pairs = true_pairs(truth.entity)
    ti = np.array([pos[a] for a, _ in pairs])
    tj = np.array([pos[b] for _, b in pairs])
    cands = blocking.candidates(records)
    assert blocking.pair_completeness(cands, len(records), ti, tj) > 0.99
    assert len(cands) < 40 * len(records)


def test_dedupe_finds_the_duplicates_without_labels() -> None:
    truth = population(2500, duplicate_share=0.2, seed=12)
    records = Records.from_people(truth.people)
    model = train(records)
    result = dedupe(records, model, threshold=0.99)
    assert f1(_found(records, result.cluster_members()), true_pairs(truth.entity)) > 0.97
    pairs = len(true_pairs(truth.entity))
    assert 0.5 < model.lam * len(records) * (len(records) - 1) / 2 / pairs < 2
    assert result.explain(0).split(":")[0] in {c.name for c in model.comparisons}


def test_realtime_index_finds_the_customer() -> None:
    truth = population(1500, duplicate_share=0.0, seed=13)
    records = Records.from_people(truth.people)
    model = train(records)
    index = Index(records, model)
    target = truth.people[1234 % 1500]
    query = Person(
        0,
        target.given_names.upper(),
        target.first_surname,
        "",
        target.birth_date,
        phones=target.phones,
    )
    best = index.query(query)[0]
    assert best.key == target.key
    assert index.resolve(query, 0.99, 0.5).action in ("link", "review")
    stranger = Person(0, "Zoila", "Xiloj", "", "1901-01-01")
    assert index.resolve(stranger, 0.99, 0.5).action == "new"
    index.add(Person(99999, "Zoila", "Xiloj", "", "1901-01-01"))
    assert index.query(stranger)[0].key == 99999
