"""The pure loyalty core: earning on the net amount by the most specific rule, returns that
take back exactly what was earned, lots spent and expired oldest first, tiers on points
earned with a grace period."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lealtad.loyalty_engine import earning, lots, tiers
from lealtad.loyalty_engine.earning import Bonus, Line, Order, Rule

AT = datetime(2026, 6, 15, 12, tzinfo=UTC)
BASE = Rule(Decimal(1))


def order(*lines: Line, channel: str = "pos", promotions: tuple[str, ...] = ()) -> Order:
    return Order(channel, AT, lines, promotions)


_RULE = st.builds(
    Rule,
    st.sampled_from([Decimal(1), Decimal(2), Decimal(3)]),
    channel=st.sampled_from(["", "pos", "web"]),
    sku=st.sampled_from(["", "X", "Y"]),
    category=st.sampled_from(["", "pharma"]),
    promotion=st.sampled_from(["", "VERANO"]),
)


@given(
    st.lists(_RULE, max_size=8),
    st.sampled_from(["X", "Y", "Z"]),
    st.sampled_from(["pos", "web"]),
    st.sampled_from([(), ("VERANO",)]),
)
def test_ranked_rules_pick_what_the_most_specific_match_picks(rules, sku, channel, promotions):
    """Ranking once per program changes no line's rule: the first match of the ranked rules
    is the most specific match, the first given among equals (compared by identity)."""
    line, placed = (
        Line(sku, 1, Decimal(10), "pharma"),
        order(channel=channel, promotions=promotions),
    )
    matches = [r for r in rules if earning._matches(r, placed, line)]
    expected = max(matches, key=Rule.specificity) if matches else None
    assert earning.best_rule(earning.Ranked(rules), placed, line) is expected
    assert earning.best_rule(rules, placed, line) is expected


def test_points_on_the_net_amount_rounded_down():
    earned = earning.earn(order(Line("A", 2, Decimal("19.99"))), [BASE])
    assert [e.points for e in earned] == [19]


def test_most_specific_rule_wins_and_multipliers_multiply():
    rules = [
        BASE,
        Rule(Decimal(2), channel="web"),
        Rule(Decimal(3), category="pharma"),
        Rule(Decimal(5), sku="X", multiplier=Decimal(2)),
        Rule(Decimal(4), promotion="VERANO"),
    ]
    lines = (
        Line("X", 1, Decimal(10), "pharma"),
        Line("Y", 1, Decimal(10), "pharma"),
        Line("Z", 1, Decimal(10)),
    )
    web = earning.earn(order(*lines, channel="web"), rules)
    assert [e.points for e in web] == [100, 30, 20]
    promo = earning.earn(order(*lines, promotions=("VERANO",)), rules, tier_multiplier=Decimal(2))
    assert [e.points for e in promo] == [200, 60, 80]


def test_rule_and_bonus_only_in_their_dates():
    later = Rule(Decimal(9), starts=AT + timedelta(days=1))
    bonus = Bonus(Decimal(3), AT - timedelta(days=1), AT + timedelta(days=1), category="toys")
    old = Bonus(Decimal(10), AT - timedelta(days=9), AT - timedelta(days=8))
    lines = (Line("A", 1, Decimal(10), "toys"), Line("B", 1, Decimal(10), "food"))
    earned = earning.earn(order(*lines), [BASE, later], [bonus, old])
    assert [e.points for e in earned] == [30, 10]


def test_nothing_for_no_rule_or_a_free_line():
    assert (
        earning.earn(order(Line("A", 1, Decimal(10))), [Rule(Decimal(1), channel="web")])[0].points
        == 0
    )
    assert earning.earn(order(Line("A", 1, Decimal(0))), [BASE])[0].points == 0


quantities = st.integers(min_value=1, max_value=20)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(quantities, st.decimals(min_value=0, max_value=5000, places=2)),
        min_size=1,
        max_size=6,
    ),
    st.data(),
)
def test_earn_minus_full_return_in_any_steps_is_zero(rows, data):
    lines = [Line(f"S{i}", q, net) for i, (q, net) in enumerate(rows)]
    earned = earning.earn(order(*lines), [Rule(Decimal("1.5"))], tier_multiplier=Decimal("1.25"))
    total = sum(e.points for e in earned)
    returned: dict[str, int] = {}
    taken = 0
    for line in lines:
        left = line.quantity
        while left:
            step = data.draw(st.integers(min_value=1, max_value=left))
            taken += earning.reverse(earned, returned, {line.sku: step})
            returned[line.sku] = returned.get(line.sku, 0) + step
            left -= step
    assert taken == total
    # more than bought takes nothing more
    assert earning.reverse(earned, returned, {lines[0].sku: 1}) == 0


def lot_list(draw_sizes: list[int]) -> list[lots.Lot]:
    return [
        lots.Lot(i + 1, AT + timedelta(days=i), AT + timedelta(days=i + 365), size)
        for i, size in enumerate(draw_sizes)
    ]


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(min_value=0, max_value=500), min_size=1, max_size=12), st.data())
def test_spending_takes_oldest_first_and_never_more_than_held(sizes, data):
    held = lot_list(sizes)
    points = data.draw(st.integers(min_value=0, max_value=sum(sizes)))
    taken = lots.spend(held, points)
    assert sum(p for _, p in taken) == points
    ids = [i for i, _ in taken]
    assert ids == sorted(ids)
    # every lot before the last one touched was emptied
    for lot_id, part in taken[:-1]:
        assert part == held[lot_id - 1].remaining
    with pytest.raises(ValueError):
        lots.spend(held, sum(sizes) + 1)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(min_value=0, max_value=500), min_size=1, max_size=12), st.data())
def test_expiry_never_touches_newer_points_first(sizes, data):
    held = lot_list(sizes)
    day = data.draw(st.integers(min_value=0, max_value=len(sizes) + 400))
    now = AT + timedelta(days=day)
    expired = lots.expire(held, now)
    expired_ids = {i for i, _ in expired}
    for lot in held:
        if lot.id in expired_ids:
            assert lot.expires_at is not None and lot.expires_at <= now
            assert all(
                older.id in expired_ids or older.remaining == 0
                for older in held
                if older.at < lot.at
            )
    assert sum(p for _, p in expired) == sum(
        lot.remaining for lot in held if lot.expires_at and lot.expires_at <= now
    )


@given(
    st.lists(st.integers(min_value=0, max_value=300), min_size=0, max_size=8),
    st.integers(min_value=0, max_value=3000),
)
def test_take_back_owes_what_no_lot_holds(sizes, points):
    held = lot_list(sizes)
    own = held[-1].id if held else None
    taken, owed = lots.take_back(held, points, own)
    assert sum(p for _, p in taken) + owed == points
    assert owed == max(0, points - sum(sizes))
    if held and taken and held[-1].remaining:
        assert taken[0][0] == own


@given(st.integers(min_value=0, max_value=1000), st.integers(min_value=0, max_value=1000))
def test_new_points_pay_what_is_owed_first(points, owed):
    size, still = lots.lot_size(points, owed)
    assert size + (owed - still) == points
    assert size == 0 or still == 0


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["earn", "spend", "return", "expire"]),
            st.integers(min_value=0, max_value=400),
        ),
        max_size=30,
    )
)
def test_ledger_always_balances(steps):
    """Whatever happens, the sum of the movements equals what the lots hold less what is
    owed, and nothing is ever spent beyond the balance."""
    held: dict[int, lots.Lot] = {}
    ledger: list[int] = []
    owed = 0
    for n, (step, points) in enumerate(steps):
        now = AT + timedelta(days=n * 40)
        current = list(held.values())
        if step == "earn":
            size, owed = lots.lot_size(points, owed)
            held[n] = lots.Lot(n, now, now + timedelta(days=365), size)
            ledger.append(points)
            continue
        if step == "spend":
            balance = sum(lot.remaining for lot in current) - owed
            if points > balance:
                continue
            taken = lots.spend(current, points)
            ledger.append(-points)
        elif step == "return":
            taken, more = lots.take_back(current, points)
            owed += more
            ledger.append(-points)
        else:
            taken = lots.expire(current, now)
            ledger.append(-sum(p for _, p in taken))
        for lot_id, part in taken:
            lot = held[lot_id]
            held[lot_id] = lots.Lot(lot.id, lot.at, lot.expires_at, lot.remaining - part)
        assert all(lot.remaining >= 0 for lot in held.values())
        assert sum(ledger) == sum(lot.remaining for lot in held.values()) - owed


T = [tiers.Tier(1, 0, 0), tiers.Tier(2, 1, 1000), tiers.Tier(3, 2, 5000)]


def test_tier_up_at_once_down_after_grace():
    gold = tiers.Standing(3, None)
    grace_end = AT + timedelta(days=90)
    kept = tiers.review(T, gold, 1200, AT, grace_end)
    assert kept == tiers.Standing(3, grace_end)  # short: keeps gold through the grace
    assert tiers.review(T, kept, 1200, AT + timedelta(days=30), grace_end) == kept
    assert tiers.review(T, kept, 1200, grace_end, grace_end) == tiers.Standing(2, None)
    # earning enough again during the grace clears it
    assert tiers.review(T, kept, 6000, AT + timedelta(days=10), grace_end) == tiers.Standing(
        3, None
    )
    assert tiers.review(T, tiers.Standing(1, None), 1500, AT, grace_end) == tiers.Standing(2, None)
    # no grace: down at once
    assert tiers.review(T, gold, 10, AT, AT) == tiers.Standing(1, None)


def test_points_to_next_tier():
    assert tiers.to_next(T, 0, 400) == 600
    assert tiers.to_next(T, 1, 1400) == 3600
    assert tiers.to_next(T, 2, 9000) is None
