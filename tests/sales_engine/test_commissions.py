"""Commissions: the matching rule pays base x rate to the cent (half up), paying twice is
impossible (overlaps named, reruns pay nothing), statements per rep and period, and a return
takes back its share, never more than was paid."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lealtad.sales_engine import commissions as cm
from lealtad.sales_engine.commissions import Basis, CommissionLine, CustomerKind, Return, Rule
from lealtad.sales_engine.commissions import SaleLine as Sale

D = Decimal
JAN1, FEB1 = date(2027, 1, 1), date(2027, 2, 1)
ANA, LUIS = 11, 12  # the reps' user ids


def sale(id: int = 1, **changes) -> Sale:
    values = {
        "id": id,
        "rep": ANA,
        "sold_on": date(2027, 1, 15),
        "product_line": "pharma",
        "tier": "gold",
        "customer_kind": CustomerKind.NEW,
        "quantity": D(10),
        "invoiced": D("1000.00"),
        "paid": D("400.00"),
        "margin": D("250.00"),
    }
    return Sale(**(values | changes))


def test_each_basis_pays_its_rate_rounded_half_up_to_the_cent():
    rules = [
        Rule(1, Basis.INVOICE, D("0.02345"), JAN1),
        Rule(2, Basis.PAYMENT, D("0.05"), JAN1, product_line="pharma"),
        Rule(3, Basis.MARGIN, D("0.1"), JAN1, customer_kind=CustomerKind.NEW),
    ]
    lines = cm.commission([sale()], rules, FEB1)
    assert [(c.rule_id, c.base, c.amount, c.kind) for c in lines] == [
        (1, D("1000.00"), D("23.45"), "earned"),
        (2, D("400.00"), D("20.00"), "earned"),
        (3, D("250.00"), D("25.00"), "earned"),
    ]
    half = cm.commission(
        [sale(invoiced=D("100.50"))], [Rule(1, Basis.INVOICE, D("0.05"), JAN1)], FEB1
    )
    assert half[0].amount == D("5.03")  # 5.025 half up


def test_a_rule_matches_only_its_dimensions_and_dates():
    line = sale()
    assert Rule(1, Basis.INVOICE, D("0.1"), JAN1, rep=ANA, tier="gold").matches(line)
    assert not Rule(1, Basis.INVOICE, D("0.1"), JAN1, rep=LUIS).matches(line)
    assert not Rule(1, Basis.INVOICE, D("0.1"), JAN1, customer_kind=CustomerKind.REPEAT).matches(
        line
    )
    assert not Rule(1, Basis.INVOICE, D("0.1"), FEB1).matches(line)
    assert not Rule(1, Basis.INVOICE, D("0.1"), JAN1, date(2027, 1, 14)).matches(line)
    assert Rule(1, Basis.INVOICE, D("0.1"), JAN1, date(2027, 1, 15)).matches(line)


def test_a_loss_making_line_earns_nothing_on_margin():
    lines = cm.commission([sale(margin=D(-50))], [Rule(1, Basis.MARGIN, D("0.1"), JAN1)], FEB1)
    assert lines == []


def test_running_again_pays_nothing_and_a_new_payment_pays_the_difference():
    rules = [Rule(1, Basis.PAYMENT, D("0.033"), JAN1)]
    first = cm.commission([sale(paid=D("100.00"))], rules, JAN1)
    assert cm.commission([sale(paid=D("100.00"))], rules, JAN1, first) == []
    more = cm.commission([sale(paid=D("200.00"))], rules, FEB1, first)
    assert [(c.base, c.amount) for c in more] == [(D("100.00"), D("3.30"))]
    # cumulative rounding: 3.30 + 3.30 = money(200 x 0.033) = 6.60, never a cent off
    assert first[0].amount + more[0].amount == D("6.60")


def test_a_lower_margin_gives_a_negative_adjustment():
    rules = [Rule(1, Basis.MARGIN, D("0.1"), JAN1)]
    first = cm.commission([sale()], rules, JAN1)
    revised = cm.commission([sale(margin=D("200.00"))], rules, FEB1, first)
    assert [(c.kind, c.base, c.amount) for c in revised] == [("adjustment", D(-50), D("-5.00"))]


def test_two_matching_rules_on_one_basis_are_refused_naming_them():
    rules = [
        Rule(4, Basis.INVOICE, D("0.1"), JAN1),
        Rule(2, Basis.INVOICE, D("0.2"), JAN1, rep=ANA),
    ]
    with pytest.raises(ValueError, match=r"rules \[2, 4\] overlap on invoice for sale line 1"):
        cm.commission([sale()], rules, FEB1)


def test_rule_fields_are_checked():
    with pytest.raises(ValueError, match="rate"):
        cm.check(Rule(1, Basis.INVOICE, D("1.5"), JAN1))
    with pytest.raises(ValueError, match="valid_to"):
        cm.check(Rule(1, Basis.INVOICE, D("0.1"), FEB1, JAN1))


def test_overlap_names_both_rules_the_period_and_the_shared_sale():
    general = Rule(7, Basis.INVOICE, D("0.05"), JAN1, date(2027, 6, 30))
    pharma = Rule(3, Basis.INVOICE, D("0.08"), date(2027, 3, 1), product_line="pharma")
    found = cm.overlaps([general, pharma])
    assert len(found) == 1
    o = found[0]
    assert (o.first, o.second, o.basis) == (3, 7, Basis.INVOICE)
    assert (o.valid_from, o.valid_to) == (date(2027, 3, 1), date(2027, 6, 30))
    assert dict(o.shared)["product_line"] == "pharma"
    assert dict(o.shared)["rep"] is None


def test_no_overlap_across_bases_dimensions_or_periods():
    base = Rule(1, Basis.INVOICE, D("0.05"), JAN1, date(2027, 1, 31), rep=ANA)
    assert cm.overlap(base, Rule(2, Basis.MARGIN, D("0.05"), JAN1, rep=ANA)) is None
    assert cm.overlap(base, Rule(2, Basis.INVOICE, D("0.05"), JAN1, rep=LUIS)) is None
    assert cm.overlap(base, Rule(2, Basis.INVOICE, D("0.05"), FEB1, rep=ANA)) is None
    assert cm.overlap(base, Rule(2, Basis.INVOICE, D("0.05"), date(2027, 1, 31))) is not None


RULES = st.builds(
    Rule,
    id=st.integers(1, 50),
    basis=st.sampled_from(list(Basis)),
    rate=st.just(D("0.05")),
    valid_from=st.dates(date(2027, 1, 1), date(2027, 12, 31)),
    valid_to=st.none() | st.dates(date(2027, 1, 1), date(2028, 12, 31)),
    product_line=st.none() | st.sampled_from(["pharma", "retail"]),
    rep=st.none() | st.sampled_from([ANA, LUIS]),
    tier=st.none() | st.sampled_from(["gold", "silver"]),
    customer_kind=st.none() | st.sampled_from(list(CustomerKind)),
)


@given(RULES, RULES)
def test_overlap_is_symmetric(a, b):
    assert cm.overlap(a, b) == cm.overlap(b, a)


@given(RULES, RULES, st.dates(date(2027, 1, 1), date(2028, 12, 31)), st.data())
def test_overlapping_rules_really_share_a_sale(a, b, day, data):
    """An overlap names a sale both rules match; no overlap means no sale matches both."""
    found = cm.overlap(a, b)
    if found is not None:
        shared = dict(found.shared)
        probe = sale(
            sold_on=found.valid_from,
            product_line=shared["product_line"] or "any",
            rep=shared["rep"] or 0,
            tier=shared["tier"] or "any",
            customer_kind=shared["customer_kind"] or CustomerKind.NEW,
        )
        assert a.matches(probe) and b.matches(probe)
    elif a.basis == b.basis and a.id != b.id:
        probe = sale(
            sold_on=day,
            product_line=data.draw(st.sampled_from(["pharma", "retail"])),
            rep=data.draw(st.sampled_from([ANA, LUIS])),
            tier=data.draw(st.sampled_from(["gold", "silver"])),
            customer_kind=data.draw(st.sampled_from(list(CustomerKind))),
        )
        assert not (a.matches(probe) and b.matches(probe))


def test_statement_per_rep_and_period_nets_clawbacks():
    rules = [Rule(1, Basis.INVOICE, D("0.1"), JAN1)]
    earned = cm.commission([sale(1), sale(2, rep=LUIS), sale(3)], rules, date(2027, 1, 20))
    earned = [CommissionLine(**(vars(c) | {"id": i})) for i, c in enumerate(earned, 100)]
    back = cm.clawback(sale(1), [earned[0]], D(0), Return(1, D(5), date(2027, 1, 25), "RMA-9"))
    late = cm.commission([sale(4)], rules, date(2027, 2, 2))
    ana, luis = cm.statements([*earned, *back, *late], JAN1, date(2027, 1, 31))
    assert (ana.rep, ana.earned, ana.clawed_back, ana.net) == (ANA, D(200), D(50), D(150))
    assert [c.kind for c in ana.lines] == ["earned", "earned", "clawback"]
    assert (luis.rep, luis.net) == (LUIS, D(100))
    with pytest.raises(ValueError, match="end"):
        cm.statements([], FEB1, JAN1)


def test_clawback_takes_back_the_returned_share_linked_to_the_original():
    rules = [Rule(1, Basis.INVOICE, D("0.1"), JAN1), Rule(2, Basis.MARGIN, D("0.2"), JAN1)]
    paid = [
        CommissionLine(**(vars(c) | {"id": i}))
        for i, c in enumerate(cm.commission([sale()], rules, JAN1), 1)
    ]
    back = cm.clawback(sale(), paid, D(0), Return(1, D(3), FEB1, "RMA-1"))
    assert [(c.rule_id, c.amount, c.kind, c.reference, c.reverses) for c in back] == [
        (1, D("-30.00"), "clawback", "RMA-1", (1,)),
        (2, D("-15.00"), "clawback", "RMA-1", (2,)),
    ]
    assert back[0].base == D("-300.00")


def test_returning_everything_in_parts_takes_back_exactly_what_was_paid():
    paid = cm.commission(
        [sale(quantity=D(3), invoiced=D("100.00"))], [Rule(1, Basis.INVOICE, D("0.1"), JAN1)], JAN1
    )
    taken: list[CommissionLine] = []
    for before in (0, 1, 2):
        taken += cm.clawback(sale(quantity=D(3)), [*paid, *taken], D(before), Return(1, D(1), FEB1))
    assert [c.amount for c in taken] == [D("-3.33"), D("-3.34"), D("-3.33")]
    assert sum(c.amount for c in taken) == -paid[0].amount


def test_returning_more_than_was_sold_is_refused():
    with pytest.raises(ValueError, match=r"quantity: 11 returned in all is more than the 10 sold"):
        cm.clawback(sale(), [], D(4), Return(1, D(7), FEB1))
    with pytest.raises(ValueError, match="quantity"):
        cm.clawback(sale(), [], D(0), Return(1, D(0), FEB1))
    with pytest.raises(ValueError, match="sale_line_id"):
        cm.clawback(sale(), [], D(0), Return(2, D(1), FEB1))


@given(
    quantity=st.integers(1, 50),
    invoiced=st.decimals(0, 10**6, places=2),
    rate=st.decimals(0, 1, places=4),
    returns=st.lists(st.integers(1, 50), min_size=1, max_size=8),
    already_back=st.decimals(0, 10**5, places=2),
)
def test_clawback_never_exceeds_what_was_paid(quantity, invoiced, rate, returns, already_back):
    line = sale(quantity=D(quantity), invoiced=invoiced)
    paid = cm.commission([line], [Rule(1, Basis.INVOICE, rate, JAN1)], JAN1)
    earned = sum((c.amount for c in paid), D(0))
    # a clawback already taken (from an earlier system, say) counts against the cap
    history = [*paid]
    if paid and already_back:
        history.append(
            CommissionLine(
                1, 1, ANA, JAN1, Basis.INVOICE, D(0), rate, -min(already_back, earned), "clawback"
            )
        )
    returned = D(0)
    for size in returns:
        if returned + size > quantity:
            break
        history += cm.clawback(line, history, returned, Return(1, D(size), FEB1))
        returned += size
        taken = -sum((c.amount for c in history if c.kind == "clawback"), D(0))
        assert D(0) <= taken <= earned
        assert all(c.amount <= 0 for c in history if c.kind == "clawback")
    if returned == quantity:
        assert -sum((c.amount for c in history if c.kind == "clawback"), D(0)) == earned
