"""Survivorship rules for the golden record."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from lealtad.customers.survivorship import Candidate, Rules, choose

T0 = datetime(2026, 1, 1)


def test_empty_never_wins():
    winner = choose(
        "gender", [Candidate("", "call_center", T0, True), Candidate("female", "web")], Rules()
    )
    assert winner is not None and winner.value == "female"


def test_trusted_source_beats_recency():
    old_agent = Candidate("married", "call_center", T0, False)
    new_web = Candidate("single", "web", T0 + timedelta(days=30), True)
    assert choose("marital_status", [new_web, old_agent], Rules()).value == "married"


def test_most_recent_when_sources_trust_alike():
    older = Candidate("low", "pos", T0, True)
    newer = Candidate("middle", "pos", T0 + timedelta(days=1), False)
    assert choose("income_band", [older, newer], Rules()).value == "middle"


def test_rules_are_configurable_per_field():
    rules = Rules(per_field={"income_band": ("survivor",)})  # replaces the defaults
    older = Candidate("low", "web", T0, True)
    newer = Candidate("middle", "call_center", T0 + timedelta(days=1), False)
    assert choose("income_band", [older, newer], rules).value == "low"


values = st.one_of(st.just(""), st.none(), st.text(min_size=1, max_size=5))
sources = st.sampled_from(["call_center", "pos", "web", "unknown-system", ""])
candidates = st.lists(
    st.builds(Candidate, values, sources, st.none() | st.datetimes(), st.booleans()),
    min_size=1,
    max_size=4,
)


@given(candidates)
def test_winner_is_a_non_empty_candidate_or_none(cands):
    winner = choose("x", cands, Rules())
    non_empty = [c for c in cands if c.value not in ("", None)]
    assert (winner is None) == (not non_empty)
    if winner is not None:
        assert winner in non_empty


def test_fuller_name_wins_over_an_abbreviation():
    web = Candidate("María José", "web", T0, True)
    agent = Candidate("Ma. José", "call_center", T0 + timedelta(days=3), False)
    assert choose("given_names", [agent, web], Rules()).value == "María José"
