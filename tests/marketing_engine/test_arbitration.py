"""The next-best-offer arbitration alone: ranking, hard limits, fatigue, holdout, feedback."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from lealtad.marketing_engine.arbitration import (
    Candidate,
    CustomerFacts,
    Limits,
    acceptance_rate,
    arbitrate,
    in_holdout,
)

ME = CustomerFacts(customer_id=7)


def offer(code: str, **kw: object) -> Candidate:
    base: dict[str, object] = {"kind": "service", "purpose": "service", "priority": 50, "value": 5}
    base.update(kw)
    return Candidate(code=code, **base)  # type: ignore[arg-type]


def codes(verdict: object) -> list[str]:
    return [r.code for r in verdict.offers]  # type: ignore[attr-defined]


def test_priority_value_and_propensity_order_the_offers() -> None:
    verdict = arbitrate(
        ME,
        [
            offer("low", priority=10),
            offer("high", priority=90),
            offer("rich", priority=10, value=500),
            offer("rule", kind="cross_sell", purpose="marketing", priority=10, rule_confidence=0.9),
        ],
        limit=4,
    )
    assert codes(verdict) == ["rich", "rule", "high", "low"]


def test_objector_gets_service_offers_only() -> None:
    objector = replace(ME, objector=True)
    verdict = arbitrate(
        objector,
        [offer("fix", purpose="service"), offer("buy", purpose="marketing", priority=99)],
        limit=3,
    )
    assert codes(verdict) == ["fix"]
    assert verdict.left_out == {"buy": "objected to marketing"}


def test_hard_limits_name_their_reason() -> None:
    verdict = arbitrate(
        ME,
        [
            offer("gone", in_stock=False),
            offer("nope", eligible=False),
            offer("owned", owned=True),
            offer("seen", shown_to_customer=3, max_shown=3),
            offer("taken", accepted_total=10, max_accepted=10),
            offer("spent", shown_today_total=100, daily_budget=100),
            offer("fine"),
        ],
        limit=5,
    )
    assert codes(verdict) == ["fine"]
    assert verdict.left_out == {
        "gone": "out of stock",
        "nope": "not eligible",
        "owned": "already has it",
        "seen": "shown enough",
        "taken": "acceptances used up",
        "spent": "daily budget spent",
    }


def test_fatigue_across_channels_shortens_the_list() -> None:
    tired = replace(ME, shown_today=5)
    verdict = arbitrate(tired, [offer("a"), offer("b", priority=60), offer("c")], limit=3)
    assert codes(verdict) == ["b"]
    assert verdict.left_out == {"a": "fatigue", "c": "fatigue"}
    exhausted = replace(ME, shown_week=20)
    assert arbitrate(exhausted, [offer("a")], limit=3).offers == []


def test_held_out_customer_gets_nothing() -> None:
    verdict = arbitrate(replace(ME, held_out=True), [offer("a")], limit=3)
    assert verdict.offers == [] and verdict.held_out and verdict.left_out == {"a": "holdout"}


def test_refusals_move_an_offer_down_and_acceptances_up() -> None:
    a, b = offer("a", priority=50), offer("b", priority=52)
    assert codes(arbitrate(ME, [a, b], limit=2)) == ["b", "a"]
    refused_b = replace(b, shown=200, declined=190, accepted=2)
    liked_a = replace(a, shown=200, accepted=80, declined=20)
    assert codes(arbitrate(ME, [a, refused_b], limit=2)) == ["a", "b"]
    assert codes(arbitrate(ME, [liked_a, b], limit=2)) == ["a", "b"]


def test_acceptance_rate_is_the_beta_posterior_mean() -> None:
    assert acceptance_rate(0, 0) == 0.1
    assert acceptance_rate(8, 0) == 0.5
    assert acceptance_rate(1000, 0) > 0.99


def test_email_without_consent_keeps_service_offers() -> None:
    verdict = arbitrate(
        replace(ME, channel_consent=False),
        [offer("fix"), offer("buy", purpose="marketing")],
        limit=2,
    )
    assert codes(verdict) == ["fix"] and verdict.left_out["buy"] == "no consent"


def test_holdout_draw_is_stable_per_month_and_near_its_share() -> None:
    month = [in_holdout(c, "2026-11", 0.1) for c in range(20000)]
    assert month == [in_holdout(c, "2026-11", 0.1) for c in range(20000)]
    assert 0.09 < sum(month) / len(month) < 0.11
    other = [in_holdout(c, "2026-12", 0.1) for c in range(20000)]
    assert month != other


PRIORITY = st.integers(min_value=0, max_value=100)
COUNT = st.integers(min_value=0, max_value=10_000)


@given(
    priority=PRIORITY,
    bump=st.integers(min_value=1, max_value=50),
    value=st.floats(min_value=0, max_value=1e6),
    accepted=COUNT,
    declined=COUNT,
    confidence=st.none() | st.floats(min_value=0, max_value=1),
)
def test_ranking_is_monotone_in_priority(
    priority: int, bump: int, value: float, accepted: int, declined: int, confidence: float | None
) -> None:
    kw = {
        "kind": "cross_sell",
        "purpose": "marketing",
        "value": value,
        "accepted": accepted,
        "declined": declined,
        "rule_confidence": confidence,
    }
    base = arbitrate(ME, [offer("x", priority=priority, **kw)], limit=1).offers[0].score
    more = arbitrate(ME, [offer("x", priority=priority + bump, **kw)], limit=1).offers[0].score
    assert more > base


@given(
    shown=st.lists(st.tuples(COUNT, st.none() | COUNT), min_size=1, max_size=12),
    limit=st.integers(min_value=0, max_value=10),
    today=st.integers(min_value=0, max_value=10),
    week=st.integers(min_value=0, max_value=30),
)
def test_caps_and_fatigue_are_never_exceeded(
    shown: list[tuple[int, int | None]], limit: int, today: int, week: int
) -> None:
    limits = Limits(max_per_day=6, max_per_week=20)
    customer = replace(ME, shown_today=today, shown_week=week)
    candidates = [
        offer(f"o{i}", shown_to_customer=seen, max_shown=cap) for i, (seen, cap) in enumerate(shown)
    ]
    verdict = arbitrate(customer, candidates, limit=limit, limits=limits)
    picked = {r.code for r in verdict.offers}
    assert len(picked) <= max(0, min(limit, 6 - today, 20 - week))
    for candidate in candidates:
        if candidate.code in picked and candidate.max_shown is not None:
            assert candidate.shown_to_customer < candidate.max_shown
    assert picked.isdisjoint(verdict.left_out)
    assert picked | set(verdict.left_out) == {c.code for c in candidates}
