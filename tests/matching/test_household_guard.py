"""A base of households with few true duplicates: housemates are not taken for one person.

People of one home share family names, the address and often a landline; what tells them
apart is what each has of their own (given names, birth date, ids, mobile, email). The model
is trained on the base itself, with no labels, as ``lealtad identity train`` does.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date

import numpy as np
import pytest
from django.utils import translation
from hypothesis import example, given
from hypothesis import strategies as st

from lealtad.matching import Model, Person, Records, dedupe, train
from lealtad.matching import fellegi_sunter as fs
from lealtad.matching.realtime import Index
from lealtad.matching.synthetic import Truth, households


def _pairs(truth: Truth) -> set[tuple[int, int]]:
    groups: dict[int, list[int]] = {}
    for key, owner in truth.entity.items():
        groups.setdefault(owner, []).append(key)
    return {p for keys in groups.values() for p in itertools.combinations(sorted(keys), 2)}


def _linked(records: Records, labels: np.ndarray) -> set[tuple[int, int]]:
    found: set[tuple[int, int]] = set()
    order = np.argsort(labels, kind="stable")
    for rows in np.split(order, np.nonzero(np.diff(labels[order]))[0] + 1):
        found.update(itertools.combinations(sorted(records.keys[rows].tolist()), 2))
    return found


@pytest.fixture(scope="module")
def base() -> tuple[Truth, Records, Model]:
    truth = households(10_000, duplicates=100, seed=11)
    records = Records.from_people(truth.people)
    return truth, records, train(records)


def test_a_base_of_households_without_duplicates_links_almost_nobody() -> None:
    truth = households(10_000, duplicates=0, seed=5)
    records = Records.from_people(truth.people)
    result = dedupe(records, train(records), threshold=0.99)
    assert result.summary()["customers_in_clusters"] <= 4  # a coincidence, not households


def test_the_few_true_duplicates_are_found_and_little_else(
    base: tuple[Truth, Records, Model],
) -> None:
    truth, records, model = base
    found = _linked(records, dedupe(records, model, threshold=0.99).labels)
    true = _pairs(truth)
    assert len(found & true) / len(found) >= 0.98  # precision
    assert len(found & true) / len(true) >= 0.90  # recall
    assert model.lam_household > 0  # the base was seen to hold households


def _member(key: int, given_names: str, born: str, second: str = "Quishpe") -> Person:
    return Person(
        key,
        given_names,
        "Guamán",
        second,
        born,
        national_id="",
        phones=[(f"+59399{key:07d}", True), ("+59322345678", False)],
        addresses=[("Av. Amazonas N34-120", "Quito", "Pichincha", "")],
    )


def _probability(model: Model, a: Person, b: Person) -> float:
    """The pair's match probability by the model's level weights (no term frequencies)."""
    pair = Records.from_people([a, b])
    no_tf = [np.zeros(0) for _ in model.comparisons]
    return float(fs.score(model, pair, np.array([0]), np.array([1]), tf=no_tf).probability[0])


def test_siblings_are_two_people_and_a_person_twice_is_one(
    base: tuple[Truth, Records, Model],
) -> None:
    model = base[2]
    sister = _member(1, "María José", "1994-03-12")
    brother = _member(2, "Carlos Andrés", "1991-08-30")
    assert _probability(model, sister, brother) < 0.5
    again = _member(3, "Ma. Jose", "1994-03-12", second="QUISHPE")
    again.phones = [(f"+59399{1:07d}", True)]
    assert _probability(model, sister, again) >= 0.99


def test_the_review_page_says_when_the_home_explains_the_likeness(
    base: tuple[Truth, Records, Model],
) -> None:
    from lealtad.customers.review_explain import explain_people

    model = base[2]
    sister = _member(1, "María José", "1994-03-12")
    brother = _member(2, "Carlos Andrés", "1991-08-30")
    with translation.override("en"):
        siblings = explain_people(sister, brother, model)
    assert siblings.household_weight is not None and siblings.probability is not None
    assert siblings.probability < 0.5 and "one home" in siblings.note
    again = _member(3, "Ma. Jose", "1994-03-12", second="QUISHPE")
    again.phones = [(f"+59399{1:07d}", True)]
    same = explain_people(sister, again, model)
    assert same.household_weight is None and same.note == ""


def test_without_households_the_guard_is_off() -> None:
    strangers = [
        Person(k, "Ana", f"Apellido{k}", "", date(1950 + k % 50, 1 + k % 12, 1 + k % 28))
        for k in range(200)
    ]
    assert train(Records.from_people(strangers)).lam_household == 0.0


def test_the_household_prior_is_saved_and_old_model_files_still_load() -> None:
    model = Model.untrained()
    model.lam_household = 1e-5
    assert Model.from_json(model.to_json()).lam_household == pytest.approx(1e-5)
    older = model.to_json()
    del older["lambda_household"]
    assert Model.from_json(older).lam_household == 0.0
    assert Model.from_json(older).household_prior_weight is None


@given(
    st.lists(st.floats(0.0, 1.0), min_size=3, max_size=7).filter(lambda xs: sum(xs) > 0.01),
    st.floats(0.0, 0.9),
    st.floats(0.05, 1.0),
)
@example(shares=[5e-324, 5e-324, 1.0], floor=0.0, ceiling=0.5)  # subnormal shares overflowed
def test_bounds_on_m_keep_a_distribution(shares: list[float], floor: float, ceiling: float) -> None:
    m = np.array([0.0, *shares])
    m /= m.sum()
    out = fs.constrain(m, (floor, ceiling))
    assert out[0] == 0.0
    assert out.sum() == pytest.approx(1.0)
    assert out[1] >= floor - 1e-9
    assert out[-1] <= ceiling + 1e-9
    if m[1] >= floor and m[-1] <= ceiling:
        np.testing.assert_allclose(out, m)


def test_at_ingest_a_new_housemate_gets_a_customer_of_their_own(
    base: tuple[Truth, Records, Model],
) -> None:
    truth, records, model = base
    index = Index(records, model)
    someone = next(p for p in truth.people if p.phones and len(p.phones) > 1 and p.addresses)
    housemate = replace(
        someone,
        key=0,
        given_names="Wilmer Patricio",
        birth_date=date(1999, 12, 30),
        national_id="",
        phones=[("+593987650000", True), *someone.phones[1:]],
        emails=[],
    )
    assert index.resolve(housemate, 0.99, 0.5).action != "link"
    again = replace(someone, key=0, national_id="", emails=[])
    decision = index.resolve(again, 0.99, 0.5)
    assert decision.action == "link"
    assert decision.best is not None and decision.best.key == someone.key
