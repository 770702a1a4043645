"""The demo's purchase history tells the analytics story (issue 12): pure, no database.

Two and a half years of orders for 2,000 demo customers, as ``lealtad demo`` draws them:
heavy buyers over more than two years, one-time buyers, customers who left and some who came
back, multichannel customers who spend more a year (seed 001's curve), products bought
together with clear lift, monthly cohorts, returns and discounts in plausible shares, money
that adds up, and the same rows for the same seed.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lealtad.commerce import demo_assortment, demo_purchases
from lealtad.commerce.demo_purchases import Catalog, Ids, purchases
from lealtad.customers.demo import generator
from lealtad.customers.demo.shoppers import Shopper

TODAY = date(2026, 6, 15)
CREATED = "2026-06-15 12:00:00"
# Column positions in the rows (see demo_history.COLUMNS).
O_ID, O_CUSTOMER, O_CHANNEL, O_STATUS, O_FULFILMENT = 0, 2, 3, 4, 5
O_SUBTOTAL, O_DISCOUNT, O_TAX, O_TOTAL, O_PROMOTIONS, O_PLACED = 15, 16, 17, 18, 19, 23


def catalog() -> Catalog:
    skus, products = {}, defaultdict(list)
    for n, (sku, product, description, price, _) in enumerate(demo_assortment.variants()):
        skus[sku] = (n + 1, int(Decimal(price) * 100), description)
        products[product].append(sku)
    stores = {"Quito": (2, 3), "Guayaquil": (5,), "Cuenca": (7,), "Lima": (8,)}
    stores |= {"Ciudad de México": (9,), "": (2,)}
    return Catalog(
        skus=skus,
        product_skus={p: tuple(s) for p, s in products.items()},
        category={code: category for code, _, _, category, _, _ in demo_assortment.PRODUCTS},
        stores=stores,
        warehouses={"EC": 1, "PE": 8, "MX": 9},
    )


@cache
def drawn(seed: int, count: int = 2000) -> tuple[list[Shopper], dict[str, list[Any]]]:
    people = generator.generate_chunk(seed, 0, count, 0, 0, 4, TODAY, CREATED)
    buyers: list[Shopper] = people["Shopper"]  # type: ignore[assignment]
    return buyers, purchases(seed, buyers, catalog(), Ids(), TODAY)


def days_ago(stamp: str) -> int:
    return (TODAY - date.fromisoformat(stamp[:10])).days


def orders_by_customer(rows: dict[str, list[Any]]) -> dict[int, list[tuple[Any, ...]]]:
    found: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for order in rows["Order"]:
        found[order[O_CUSTOMER]].append(order)
    return found


def test_same_seed_same_history_other_seed_another():
    again = purchases(7, drawn(7)[0], catalog(), Ids(), TODAY)
    assert again == drawn(7)[1]
    assert drawn(8)[1]["Order"] != drawn(7)[1]["Order"]


def test_thirty_months_with_heavy_one_time_lapsed_and_won_back_customers():
    buyers, rows = drawn(7)
    placed = [days_ago(o[O_PLACED]) for o in rows["Order"]]
    assert min(placed) >= 1 and max(placed) <= 31 * 30.5  # nothing today or later, or too old
    by_customer = orders_by_customer(rows)
    span = {
        cid: (min(days_ago(o[O_PLACED]) for o in os), max(days_ago(o[O_PLACED]) for o in os))
        for cid, os in by_customer.items()
    }
    heavy = [c for c, os in by_customer.items() if len(os) >= 10 and span[c][1] - span[c][0] > 730]
    assert len(heavy) >= 20
    assert sum(len(os) == 1 for os in by_customer.values()) >= 200
    lapsed = [c for c, (latest, _) in span.items() if latest > 365]
    assert len(lapsed) >= 100
    assert len(by_customer) < len(buyers)  # prospects never bought
    won_back = 0
    for os in by_customer.values():
        ages = sorted(days_ago(o[O_PLACED]) for o in os)
        gaps = [later - earlier for earlier, later in itertools.pairwise(ages)]
        won_back += ages[0] <= 120 and any(gap >= 270 for gap in gaps)
    assert won_back >= 30


def annual_spend_by_channels(rows: dict[str, list[Any]]) -> dict[int, float]:
    """Average annual net sales per customer by the number of channels they bought on."""
    spend: dict[int, list[float]] = defaultdict(list)
    for os in orders_by_customer(rows).values():
        years = max(1.0, max(days_ago(o[O_PLACED]) for o in os) / 365.25)
        net = sum(float(o[O_SUBTOTAL]) - float(o[O_DISCOUNT]) for o in os)
        spend[len({o[O_CHANNEL] for o in os})].append(net / years)
    return {n: sum(v) / len(v) for n, v in spend.items()}


@pytest.mark.parametrize("seed", [7, 11])
def test_multichannel_customers_spend_more_a_year(seed):
    curve = annual_spend_by_channels(drawn(seed)[1])
    assert 1.8 <= curve[2] / curve[1] <= 3.5  # seed 001: 2 channels, 2-3x
    assert 3.5 <= curve[3] / curve[1] <= 6.5  # 3 channels, 4-5x
    assert max(curve) <= 4


def test_products_bought_together_have_clear_lift():
    baskets: dict[int, set[str]] = defaultdict(set)
    product_of = {sku: product for sku, product, *_ in demo_assortment.variants()}
    for line in drawn(7)[1]["OrderLine"]:
        baskets[line[1]].add(product_of[line[3]])
    n = len(baskets)
    single = Counter(p for b in baskets.values() for p in b)
    pairs = Counter(pair for b in baskets.values() for pair in itertools.combinations(sorted(b), 2))

    def lift(a: str, b: str) -> float:
        both = pairs[tuple(sorted((a, b)))]
        assert both >= 20, (a, b)  # enough support to be found
        return (both / n) / ((single[a] / n) * (single[b] / n))

    assert lift("FAR-PARA", "FAR-VITC") > 2  # a pharmacy's pain reliever + vitamin C
    assert lift("ACC-FUNDA", "TEL-BRISA") > 2  # a telecom's phone + case
    assert lift("PLN-CHIP", "TEL-BRISA") > 2  # ... + plan
    assert lift("CAM-OXF", "PAN-CHI") > 2  # a shirt + the trousers that match it


def test_new_customers_every_month_and_retention_decays():
    by_customer = orders_by_customer(drawn(7)[1])
    cohort = {c: max(days_ago(o[O_PLACED]) for o in os) // 30 for c, os in by_customer.items()}
    sizes = Counter(cohort.values())
    assert all(sizes[month] >= 15 for month in range(1, 30)), sorted(sizes.items())
    # of the customers acquired 24-30 months ago, fewer still buy in each later half-year
    old = [c for c, m in cohort.items() if 24 <= m < 30]
    active = [
        sum(any(lo <= days_ago(o[O_PLACED]) // 30 < lo + 6 for o in by_customer[c]) for c in old)
        for lo in (18, 12, 6, 0)
    ]
    assert active[0] > active[-1] and active[0] < len(old)


def test_returns_contacts_and_discounts_in_plausible_shares():
    buyers, rows = drawn(7)
    orders = rows["Order"]
    total = sum(Decimal(o[O_SUBTOTAL]) for o in orders)
    discounts = sum(Decimal(o[O_DISCOUNT]) for o in orders)
    assert 0.01 <= discounts / total <= 0.08
    assert 0.03 <= len(rows["Return"]) / len(orders) <= 0.15
    persona = {b.customer_id: b.persona for b in buyers}
    returned = Counter(persona[r[3]] for r in rows["Return"])
    placed = Counter(persona[o[O_CUSTOMER]] for o in orders)
    assert returned["costly"] / placed["costly"] > 0.25  # below zero: many returns
    assert returned["mvc"] / placed["mvc"] < 0.1
    people = generator.generate_chunk(7, 0, 2000, 0, 0, 4, TODAY, CREATED)
    contacts = Counter(row[0] for row in people["Interaction"])
    mean = sum(contacts.values()) / len(buyers)
    assert 3.5 <= mean <= 4.5  # four contacts a person on average, as asked
    by_persona: dict[str, list[int]] = defaultdict(list)
    for b in buyers:
        by_persona[b.persona].append(contacts[b.customer_id])
    average = {p: sum(v) / len(v) for p, v in by_persona.items()}
    assert average["costly"] > 3 * average["regular"] > 6 * average["one_time"]
    assert average["mvc"] > average["regular"] > average["occasional"]
    assert {o[O_CHANNEL] for o in orders} == {"pos", "web", "mobile", "call_center"}


def test_money_adds_up_in_every_order():
    rows = drawn(7)[1]
    lines: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for line in rows["OrderLine"]:
        lines[line[1]].append(line)
    rate = {o[O_ID]: Decimal(o[14]) for o in rows["Order"]}
    for o in rows["Order"]:
        mine = lines[o[O_ID]]
        assert mine
        base = sum(Decimal(x[6]) * x[5] for x in mine)
        assert Decimal(o[O_SUBTOTAL]) == base
        assert Decimal(o[O_DISCOUNT]) == sum(Decimal(x[7]) for x in mine)
        assert Decimal(o[O_TAX]) == sum(Decimal(x[8]) for x in mine)
        assert Decimal(o[O_TOTAL]) == sum(Decimal(x[9]) for x in mine)
        for x in mine:
            net = Decimal(x[6]) * x[5] - Decimal(x[7])
            assert Decimal(x[8]) == (net * rate[o[O_ID]]).quantize(Decimal("0.01"), "ROUND_HALF_UP")
            assert x[11] == x[5] and 0 <= x[12] <= x[5]  # all handed over; returns within
    charged = defaultdict(Decimal)
    refunded = defaultdict(Decimal)
    for p in rows["Payment"]:
        if p[3] == "captured":
            charged[p[1]] += Decimal(p[7])
            assert Decimal(p[8]) <= Decimal(p[7])
        elif p[2] == "refund":
            refunded[p[1]] += Decimal(p[7])
    for o in rows["Order"]:
        assert charged[o[O_ID]] == Decimal(o[O_TOTAL])
        assert refunded[o[O_ID]] <= charged[o[O_ID]]
    for ret in rows["Return"]:
        assert refunded[ret[2]] == Decimal(ret[7])


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), count=st.integers(1, 60), back=st.integers(0, 400))
def test_any_seed_gives_sane_rows(seed, count, back):
    today = TODAY - timedelta(days=back)
    people = generator.generate_chunk(seed, 0, count, 0, 0, 1, today, CREATED)
    rows = purchases(seed, people["Shopper"], catalog(), Ids(), today)
    ids = [o[O_ID] for o in rows["Order"]]
    assert ids == list(range(1, len(ids) + 1))
    for o in rows["Order"]:
        assert 0 <= (today - date.fromisoformat(o[O_PLACED][:10])).days <= 31 * 30.5
        assert Decimal(o[O_TOTAL]) > 0
        assert o[O_STATUS] in {"completed", "delivered", "shipped", "returned", "partly_returned"}
    stamps = [o[O_PLACED] for o in rows["Order"]] + [p[13] for p in rows["Payment"]]
    stamps += [s[8] for s in rows["Shipment"]] + [s[9] for s in rows["Shipment"] if s[9]]
    stamps += [r[10] for r in rows["Return"]]
    assert all(stamp < today.isoformat() for stamp in stamps)  # all before today: none ahead
    numbers = [o[1] for o in rows["Order"]]
    assert len(set(numbers)) == len(numbers)
    assert tuple(rows) == demo_purchases.TABLES


def test_who_never_bought_has_no_sale_on_the_timeline():
    buyers, rows = drawn(7)
    people = generator.generate_chunk(7, 0, 2000, 0, 0, 4, TODAY, CREATED)
    prospects = {b.customer_id for b in buyers if b.persona == "prospect"}
    assert prospects and not prospects & {o[O_CUSTOMER] for o in rows["Order"]}
    theirs = [i for i in people["Interaction"] if i[0] in prospects]
    assert theirs
    assert not {i[3] for i in theirs} & {"purchase", "return", "payment", "complaint"}
    assert not {i[9] for i in theirs} & {"order", "invoice", "case"}
