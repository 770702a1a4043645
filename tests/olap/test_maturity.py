"""Multichannel maturity: the questionnaire's stage, the evidence's, and where they differ."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lealtad.olap import maturity
from tests.olap.economics_facts import connect, order

D = dt.date


def answers(**stage_values: int) -> dict[str, int]:
    """Every question of stage N answered ``stage_values['s<N>']`` (0 if not given)."""
    return {q: stage_values.get(f"s{s}", 0) for q, s in maturity.QUESTIONS.items()}


def test_a_company_that_informs_and_sells_online_is_at_stage_two() -> None:
    reading = maturity.score_answers(answers(s1=4, s2=3, s3=1))
    assert reading.stage == 2
    assert reading.fractions == {1: 1.0, 2: 0.75, 3: 0.25, 4: 0.0}
    assert reading.score == pytest.approx(2.0)
    assert reading.as_dict()["stage_name"] == "interact"


def test_a_stage_above_a_missing_one_does_not_count() -> None:
    """The ladder: full marks on 'maximize' do not lift a company that does not interact."""
    reading = maturity.score_answers(answers(s1=4, s2=0, s3=4, s4=4))
    assert reading.stage == 1


def test_nothing_at_all_is_stage_zero() -> None:
    assert maturity.score_answers(answers()).stage == 0


@pytest.mark.parametrize("bad", [-1, 5, 2.5, True, "3", None])
def test_an_answer_out_of_range_names_its_question(bad: object) -> None:
    given_answers: dict = answers(s1=2)
    given_answers["unified_view"] = bad
    with pytest.raises(ValueError, match="unified_view"):
        maturity.score_answers(given_answers)


def test_a_missing_or_unknown_question_is_refused() -> None:
    partial = answers(s1=2)
    del partial["web_presence"]
    with pytest.raises(ValueError, match="web_presence"):
        maturity.score_answers(partial)
    with pytest.raises(KeyError, match="favourite_colour"):
        maturity.score_answers({**answers(), "favourite_colour": 2})


@given(st.fixed_dictionaries({q: st.integers(0, 4) for q in maturity.QUESTIONS}))
def test_the_stage_is_the_highest_with_every_stage_below_reached(values) -> None:
    reading = maturity.score_answers(values)
    assert 0 <= reading.score <= 4
    for s in maturity.STAGES:
        assert (s <= reading.stage) == all(
            reading.fractions[t] >= maturity.REACHED for t in range(1, s + 1)
        )


def _multichannel_facts():
    orders = [
        order(1, 1, D(2024, 1, 1), "web", store="S01"),  # bought online, collected at S01
        order(2, 1, D(2024, 2, 1), "pos", store="S01"),
        order(3, 2, D(2024, 1, 1), "web"),
        order(4, 2, D(2024, 2, 1), "call_center"),
        order(5, 3, D(2024, 1, 1), "pos", store="S02"),
    ]
    returns = [
        {"return_id": 1, "order_id": 3, "customer_id": 2, "channel": "pos", "store": "S01"},
        {"return_id": 2, "order_id": 5, "customer_id": 3, "channel": "pos", "store": "S02"},
    ]
    contacts = [{"contact_id": 1, "customer_id": 1, "channel": "email"}]
    return connect(orders=orders, returns=returns, contacts=contacts)


def test_the_evidence_reads_the_facts() -> None:
    found = maturity.measure_evidence(_multichannel_facts())
    assert found["channels_with_orders"] == 3
    assert found["online_order_share"] == pytest.approx(2 / 5)
    assert found["multichannel_customers"] == pytest.approx(2 / 3)
    assert found["identified_orders"] == 1.0
    assert found["one_history"] == pytest.approx(1 / 3)
    assert found["cross_channel_returns"] == pytest.approx(1 / 2)
    assert found["cross_channel_pickups"] == pytest.approx(1 / 2)
    reading = maturity.read_evidence(found)
    assert reading.stage == 4 and reading.fractions[4] == pytest.approx((2 / 3 + 1 + 1) / 3)


def test_an_empty_base_shows_no_stage_and_no_error() -> None:
    reading = maturity.read_evidence(maturity.measure_evidence(connect()))
    assert reading.stage == 0 and reading.score == 0.0


def test_a_store_limited_scope_sees_no_contacts() -> None:
    from types import SimpleNamespace

    scope = SimpleNamespace(stores=frozenset({"S01"}), channels=None, regions=None)
    found = maturity.measure_evidence(_multichannel_facts(), scope)
    assert found["one_history"] == 0.0 and found["channels_with_orders"] == 2


def test_disagreements_name_the_stage_and_which_side_runs_ahead() -> None:
    said = maturity.score_answers(answers(s1=4, s2=4, s3=4, s4=4))
    shown = maturity.read_evidence(
        maturity.measure_evidence(
            connect(
                orders=[
                    order(1, 1, D(2024, 1, 1), "pos"),
                ]
            )
        )
    )
    gaps = {g["stage"]: g for g in maturity.disagreements(said, shown)}
    assert gaps[2]["direction"] == "claimed" and gaps[2]["evidence"] == 0.0
    # A store with no web, e-mail or mobile at all informs nobody online (stage 1 is half-way).
    assert gaps[1]["evidence"] == 0.5 and gaps[1]["direction"] == "claimed"
