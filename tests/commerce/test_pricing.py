"""The price calculation alone (no database): promotions, taxes, rounding, refunds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lealtad.commerce import pricing
from lealtad.commerce.pricing import Context, Line, Promotion, cents, quote

NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)
IVA = Decimal("0.15")
D = Decimal


def ctx(**kw) -> Context:
    return Context(**{"channel": "web", "at": NOW, **kw})


def test_tax_on_the_discounted_base_rounded_half_up():
    q = quote(
        [Line("PAN-32", "PAN", 1, D("44.90"), "pantalones")],
        [Promotion("WEB10", "percent", D("10"), channels=frozenset({"web"}))],
        IVA,
        ctx(),
    )
    line = q.lines[0]
    assert (line.base, line.discount, line.tax, line.total) == (
        D("44.90"),
        D("4.49"),
        D("6.06"),
        D("46.47"),
    )
    assert cents(D("0.005")) == D("0.01") and cents(D("0.015")) == D("0.02")


def test_promotions_limited_to_channel_segment_dates_and_coupon():
    lines = [Line("A", "P", 2, D("10.00"))]
    promos = [
        Promotion("STORE", "percent", D("50"), channels=frozenset({"pos"})),
        Promotion("VIP", "amount", D("3"), segments=frozenset({"vip"})),
        Promotion("OLD", "percent", D("50"), ends_at=NOW),
        Promotion("SOON", "percent", D("50"), starts_at=NOW + timedelta(days=1)),
        Promotion("COUPON", "amount", D("1"), coupon="HOLA"),
    ]
    assert quote(lines, promos, IVA, ctx()).applied == ()
    assert quote(lines, promos, IVA, ctx(channel="pos")).applied == ("STORE",)
    both = quote(lines, promos, IVA, ctx(segments=frozenset({"vip"}), coupon="hola"))
    assert both.applied == ("COUPON", "VIP")
    assert both.discount == D("4.00")


def test_bundle_only_when_every_product_is_in_the_basket():
    bundle = Promotion("COMBO", "bundle", D("20"), products=frozenset({"CAM", "PAN"}))
    shirt = Line("CAM-M", "CAM", 1, D("30.00"))
    trousers = Line("PAN-32", "PAN", 1, D("40.00"))
    assert quote([shirt], [bundle], IVA, ctx()).discount == D("0.00")
    together = quote([shirt, trousers], [bundle], IVA, ctx())
    assert together.discount == D("14.00")
    assert together.total == D("64.40")


def test_an_amount_off_never_exceeds_what_is_left_and_splits_to_the_cent():
    lines = [Line("A", "P", 1, D("0.01")), Line("B", "Q", 3, D("3.33"))]
    q = quote(lines, [Promotion("BIG", "amount", D("100"))], IVA, ctx())
    assert q.discount == q.subtotal
    assert q.total == D("0.00")
    split = quote(lines, [Promotion("ONE", "amount", D("1"))], IVA, ctx())
    assert split.discount == D("1.00")


def test_bad_lines_are_refused():
    with pytest.raises(ValueError):
        quote([Line("A", "P", 0, D("1"))], [], IVA, ctx())
    with pytest.raises(ValueError):
        quote([Line("A", "P", 1, D("-1"))], [], IVA, ctx())


money = st.decimals(min_value=D("0"), max_value=D("5000"), places=2)
lines_st = st.lists(
    st.builds(
        Line,
        sku=st.sampled_from(["A", "B", "C", "D"]),
        product=st.sampled_from(["P", "Q", "R"]),
        quantity=st.integers(1, 20),
        unit_price=money,
        category=st.sampled_from(["", "x", "y"]),
    ),
    min_size=1,
    max_size=6,
)
promo_st = st.builds(
    Promotion,
    code=st.text("ABCDEFG", min_size=1, max_size=4),
    kind=st.sampled_from(pricing.KINDS),
    value=st.decimals(min_value=D("0.01"), max_value=D("150"), places=2),
    priority=st.integers(0, 3),
    products=st.frozensets(st.sampled_from(["P", "Q", "R"]), max_size=2),
    categories=st.frozensets(st.sampled_from(["x", "y"]), max_size=1),
)
rates = st.sampled_from([D("0"), D("0.08"), D("0.15"), D("0.16"), D("0.18")])


@settings(max_examples=300, deadline=None)
@given(lines_st, st.lists(promo_st, max_size=4), rates)
def test_totals_are_never_negative_and_add_up(lines, promos, rate):
    q = quote(lines, promos, rate, ctx())
    for p in q.lines:
        assert D("0") <= p.discount <= p.base
        assert p.tax == cents((p.base - p.discount) * rate)  # tax on the discounted base
        assert p.total >= 0
        for amount in (p.base, p.discount, p.tax, p.total):
            assert amount == amount.quantize(D("0.01"))
    assert q.total == q.subtotal - q.discount + q.tax >= 0


@settings(max_examples=200, deadline=None)
@given(lines_st, st.lists(promo_st, max_size=3), rates, st.data())
def test_returning_a_line_in_pieces_refunds_exactly_its_total(lines, promos, rate, data):
    q = quote(lines, promos, rate, ctx())
    p = q.lines[0]
    left, done, refunded = p.line.quantity, 0, D("0")
    while left:
        n = data.draw(st.integers(1, left))
        part = pricing.refund_for(p, n, done)
        assert part >= 0
        refunded += part
        done += n
        left -= n
    assert refunded == p.total
    with pytest.raises(ValueError):
        pricing.refund_for(p, 1, p.line.quantity)
