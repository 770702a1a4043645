"""Lead scoring: the stage weight when history is too small or one-sided, probabilities as
good as the truth on a set where the truth is known, factors in order of weight, and never
0% or 100% for an open lead."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lealtad.sales_engine import scoring
from lealtad.sales_engine.scoring import Example, LeadFeatures

SOURCES = ("web_form", "event", "campaign", "import")


def synthetic(n: int, seed: int) -> tuple[list[LeadFeatures], list[float], list[bool]]:
    """Leads whose true chance is a known logistic function of their features."""
    rng = np.random.default_rng(seed)
    leads, truth, outcomes = [], [], []
    for _ in range(n):
        lead = LeadFeatures(
            visits=int(rng.poisson(3)),
            emails_opened=int(rng.poisson(2)),
            days_since_touch=int(rng.integers(0, 60)),
            rule_points=int(rng.integers(0, 20)),
            has_company=bool(rng.random() < 0.5),
            known_customer=bool(rng.random() < 0.2),
            source=SOURCES[int(rng.integers(0, 4))],
        )
        t = (
            -2.0
            + 0.9 * math.log1p(lead.visits)
            + 0.4 * math.log1p(lead.emails_opened)
            - 0.5 * math.log1p(lead.days_since_touch)
            + 0.05 * lead.rule_points
            + 1.2 * lead.known_customer
            + (0.8 if lead.source == "event" else 0.0)
        )
        p = 1 / (1 + math.exp(-t))
        leads.append(lead)
        truth.append(p)
        outcomes.append(bool(rng.random() < p))
    return leads, truth, outcomes


def test_too_little_history_falls_back_to_the_stage_weight():
    leads, _, outcomes = synthetic(199, seed=1)
    scorer = scoring.fit([Example(f, y) for f, y in zip(leads, outcomes, strict=True)])
    score = scorer.score(LeadFeatures(visits=9), Decimal("0.30"))
    assert (score.method, score.reason) == ("stage_weight", scoring.TOO_LITTLE_HISTORY)
    assert score.probability == pytest.approx(0.30)
    assert score.factors == ()


def test_history_of_one_outcome_falls_back_and_says_so():
    history = [Example(LeadFeatures(visits=i % 7), False) for i in range(1000)]
    scorer = scoring.fit(history)
    score = scorer.score(LeadFeatures(), 0.1)
    assert (score.method, score.reason) == ("stage_weight", scoring.ONE_OUTCOME_HISTORY)


def test_a_handful_of_the_rarer_outcome_is_too_one_sided():
    history = [Example(LeadFeatures(visits=i % 7), i < 5) for i in range(1000)]
    assert scoring.fit(history).reason == scoring.ONE_OUTCOME_HISTORY


def test_enough_history_uses_the_model():
    leads, _, outcomes = synthetic(400, seed=2)
    scorer = scoring.fit([Example(f, y) for f, y in zip(leads, outcomes, strict=True)])
    score = scorer.score(leads[0], 0.5)
    assert (score.method, score.reason) == ("model", "")


def test_model_is_as_calibrated_as_the_truth_on_new_leads():
    leads, _, outcomes = synthetic(6000, seed=3)
    scorer = scoring.fit([Example(f, y) for f, y in zip(leads, outcomes, strict=True)])
    fresh, truth, happened = synthetic(6000, seed=4)
    predicted = [s.probability for s in scorer.score_many(fresh, [0.5] * len(fresh))]
    model = scoring.calibration(predicted, happened)
    ideal = scoring.calibration(truth, happened)
    assert model.brier == pytest.approx(ideal.brier, abs=0.005)
    assert model.brier < model.reference - 0.02
    for row in model.bins:
        if row.count >= 300:
            assert row.observed_rate == pytest.approx(row.mean_predicted, abs=0.06)


def test_fitting_twice_gives_the_same_scores():
    leads, _, outcomes = synthetic(500, seed=5)
    history = [Example(f, y) for f, y in zip(leads, outcomes, strict=True)]
    first = scoring.fit(history).score_many(leads[:50], [0.5] * 50)
    assert first == scoring.fit(history).score_many(leads[:50], [0.5] * 50)


def test_factors_come_largest_first_and_add_up_to_the_log_odds():
    leads, _, outcomes = synthetic(3000, seed=6)
    scorer = scoring.fit([Example(f, y) for f, y in zip(leads, outcomes, strict=True)])
    scorer.top_factors = 10
    lead = LeadFeatures(visits=20, days_since_touch=0, known_customer=True, source="event")
    score = scorer.score(lead, 0.5)
    sizes = [abs(f.contribution) for f in score.factors]
    assert sizes == sorted(sizes, reverse=True)
    assert len(score.factors) == 7  # every feature, the sources summed into one "source"
    assert {f.key for f in score.factors} >= {"visits", "source", "known_customer"}
    assert next(f for f in score.factors if f.key == "visits").contribution > 0
    assert next(f for f in score.factors if f.key == "source").value == "event"
    assert next(f for f in score.factors if f.key == "known_customer").value == "true"
    log_odds = scorer.intercept + sum(f.contribution for f in score.factors)
    assert 1 / (1 + math.exp(-log_odds)) == pytest.approx(score.probability, abs=1e-3)


def test_top_factors_limit_the_explanation():
    leads, _, outcomes = synthetic(1000, seed=7)
    scorer = scoring.fit([Example(f, y) for f, y in zip(leads, outcomes, strict=True)])
    assert len(scorer.score(leads[0], 0.5).factors) == 3


def test_an_unseen_source_scores_like_an_average_source_would_not_fail():
    leads, _, outcomes = synthetic(1000, seed=8)
    scorer = scoring.fit([Example(f, y) for f, y in zip(leads, outcomes, strict=True)])
    score = scorer.score(LeadFeatures(source="fax"), 0.5)
    assert scoring.FLOOR <= score.probability <= scoring.CEILING


def test_a_certain_looking_lead_is_still_below_100_percent():
    history = [Example(LeadFeatures(visits=v), v >= 5) for v in range(10)] * 50
    scorer = scoring.fit(history, scoring.Settings(regularization=1000.0))
    hot = scorer.score(LeadFeatures(visits=10_000), 0.5)
    cold = scorer.score(LeadFeatures(visits=0, days_since_touch=0), 0.5)
    assert (hot.probability, hot.clipped) == (scoring.CEILING, True)
    assert (cold.probability, cold.clipped) == (scoring.FLOOR, True)


def test_a_stage_at_100_percent_is_shown_at_99_for_an_open_lead():
    score = scoring.LeadScorer("stage_weight", scoring.TOO_LITTLE_HISTORY).score(
        LeadFeatures(), Decimal(1)
    )
    assert (score.probability, score.clipped) == (scoring.CEILING, True)


def test_bad_input_names_the_field():
    with pytest.raises(ValueError, match="stage_probability"):
        scoring.LeadScorer("stage_weight", scoring.TOO_LITTLE_HISTORY).score(LeadFeatures(), 1.5)
    leads, _, outcomes = synthetic(300, seed=9)
    scorer = scoring.fit([Example(f, y) for f, y in zip(leads, outcomes, strict=True)])
    with pytest.raises(ValueError, match="visits"):
        scorer.score(LeadFeatures(visits=-1), 0.5)
    with pytest.raises(ValueError, match="stage_probabilities"):
        scorer.score_many([LeadFeatures()], [])


LEADS = st.builds(
    LeadFeatures,
    visits=st.integers(0, 10**6),
    emails_opened=st.integers(0, 10**6),
    days_since_touch=st.integers(0, 10**5),
    rule_points=st.integers(-(10**6), 10**6),
    has_company=st.booleans(),
    known_customer=st.booleans(),
    source=st.sampled_from((*SOURCES, "other")),
)
_LEADS, _, _OUTCOMES = synthetic(600, seed=10)
SCORER = scoring.fit([Example(f, y) for f, y in zip(_LEADS, _OUTCOMES, strict=True)])


@settings(max_examples=200, deadline=None)
@given(lead=LEADS, stage=st.floats(0, 1))
def test_an_open_lead_is_never_scored_0_or_100_percent(lead, stage):
    for scorer in (SCORER, scoring.LeadScorer("stage_weight", scoring.TOO_LITTLE_HISTORY)):
        score = scorer.score(lead, stage)
        assert scoring.FLOOR <= score.probability <= scoring.CEILING


@given(
    predicted=st.lists(st.floats(0, 1), min_size=1, max_size=50),
    data=st.data(),
)
def test_brier_is_between_0_and_1_and_bins_count_every_prediction(predicted, data):
    outcomes = data.draw(st.lists(st.booleans(), min_size=len(predicted), max_size=len(predicted)))
    checked = scoring.calibration(predicted, outcomes, bins=5)
    assert 0.0 <= checked.brier <= 1.0
    assert sum(b.count for b in checked.bins) == len(predicted)


def test_perfect_and_worst_predictions():
    assert scoring.calibration([1.0, 0.0], [True, False]).brier == 0.0
    assert scoring.calibration([0.0, 1.0], [True, False]).brier == 1.0


def test_monthly_brier_groups_rows_by_month_oldest_first():
    rows = [
        (date(2026, 3, 14), 0.8, True),
        (date(2026, 2, 2), 0.5, False),
        (date(2026, 3, 1), 0.2, False),
        (date(2026, 2, 28), 0.5, True),
    ]
    report = scoring.monthly_brier(rows)
    assert [r.month for r in report] == [date(2026, 2, 1), date(2026, 3, 1)]
    assert [r.count for r in report] == [2, 2]
    assert report[0].brier == pytest.approx(0.25)
    assert report[1].brier == pytest.approx((0.04 + 0.04) / 2)
    assert report[1].base_rate == 0.5
    assert report[1].mean_predicted == pytest.approx(0.5)


def test_calibration_refuses_predictions_outside_0_to_1():
    with pytest.raises(ValueError, match="predicted"):
        scoring.calibration([1.2], [True])
    with pytest.raises(ValueError, match="outcomes"):
        scoring.calibration([0.2], [])
