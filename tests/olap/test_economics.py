"""Channel economics: products per customer, the 1/2/3-channel curve, CAC, the segment map."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from lealtad.olap import economics
from lealtad.olap.economics import CostEntry
from tests.olap.economics_facts import connect, order

D = dt.date


def line(line_id: int, customer: int, product: str, category: str = "", **more):
    return {
        "line_id": line_id,
        "order_id": line_id,
        "customer_id": customer,
        "day": D(2024, 1, 1),
        "product": product,
        "category": category,
        "quantity": more.pop("quantity", 1),
        **more,
    }


def test_products_per_customer_counts_distinct_products_kept() -> None:
    con = connect(
        order_lines=[
            line(1, 1, "P1", "shoes"),
            line(2, 1, "P1", "shoes"),  # the same product twice is one product
            line(3, 1, "P2", "shirts"),
            line(4, 2, "P3", "shoes"),
            line(5, 2, "P4", "shoes", quantity=0),  # cancelled units: not bought
            line(6, 3, "P1", "shoes"),
            line(7, 3, "P2", ""),
            line(8, 3, "P5", "hats"),
        ]
    )
    products = economics.products_per_customer(con)
    assert products["distribution"] == [
        {"count": 1, "customers": 1},
        {"count": 2, "customers": 1},
        {"count": 3, "customers": 1},
    ]
    assert products["mean"] == pytest.approx(2.0) and products["median"] == 2.0
    categories = economics.products_per_customer(con, by="category")
    assert categories["distribution"] == [
        {"count": 1, "customers": 1},
        {"count": 2, "customers": 2},
    ]  # a line without a category is no category
    assert categories["median"] == 2.0


def test_products_per_customer_with_nothing_bought_has_no_mean() -> None:
    got = economics.products_per_customer(connect())
    assert got == {
        "by": "product",
        "customers": 0,
        "mean": None,
        "median": None,
        "distribution": [],
    }
    with pytest.raises(ValueError, match="by"):
        economics.products_per_customer(connect(), by="sku; DROP TABLE orders")


def test_the_channel_curve_groups_customers_by_channels_used_each_year() -> None:
    rows = [
        order(1, 1, D(2024, 2, 1), "web", 100),
        order(2, 2, D(2024, 2, 1), "web", 100),
        order(3, 2, D(2024, 3, 1), "pos", 200),
        order(4, 3, D(2024, 3, 1), "web", 100),
        order(5, 3, D(2024, 4, 1), "pos", 100),
        order(6, 3, D(2024, 5, 1), "call_center", 100),
        order(7, 3, D(2024, 6, 1), "mobile", 300),  # four channels: the 3+ group
        order(8, 4, D(2024, 6, 1), "pos", 50, status="cancelled"),
        order(9, 1, D(2025, 1, 10), "pos", 70),
        order(10, 1, D(2025, 1, 11), "web", 30),
    ]
    curve = economics.channel_curve(connect(orders=rows))
    got = [(r["year"], r["label"], r["customers"], r["average_annual_sales"]) for r in curve]
    assert got == [
        (2024, "1", 1, 100.0),
        (2024, "2", 1, 300.0),
        (2024, "3+", 1, 600.0),
        (2025, "2", 1, 100.0),
    ]
    assert [r["partial"] for r in curve] == [False, False, False, True]  # 2025 ends Jan 11


def test_the_curve_sees_only_the_scope_s_channels() -> None:
    rows = [order(1, 1, D(2024, 2, 1), "web", 100), order(2, 1, D(2024, 3, 1), "pos", 50)]
    pos = SimpleNamespace(stores=None, channels=frozenset({"pos"}), regions=None)
    curve = economics.channel_curve(connect(orders=rows), pos)
    assert [(r["label"], r["average_annual_sales"]) for r in curve] == [("1", 50.0)]


def _acquisition_facts():
    orders = [
        order(1, 1, D(2024, 1, 10), "web", 100),  # acquired on the web in January
        order(2, 1, D(2024, 6, 1), "pos", 50),
        order(3, 2, D(2024, 1, 20), "web", 10),  # web, January, segment low
        order(4, 3, D(2024, 2, 5), "pos", 300),  # pos, February
        order(5, 4, D(2023, 12, 31), "web", 20),  # before the campaign: not its customer
        order(6, 4, D(2024, 1, 15), "web", 20),
        order(7, 5, D(2024, 1, 31), "web", 40, status="cancelled"),
        order(8, 5, D(2024, 2, 1), "web", 40),  # first real order in February
        order(9, 6, D(2025, 6, 1), "web", 1),  # the data ends here
    ]
    customers = [
        {"customer_id": 1, "segment": "high"},
        {"customer_id": 2, "segment": "low"},
        {"customer_id": 3, "segment": "high"},
        {"customer_id": 4, "segment": "low"},
        {"customer_id": 5, "segment": "high"},
    ]
    return connect(orders=orders, customers=customers)


def test_cac_divides_a_campaign_by_the_customers_it_acquired() -> None:
    con = _acquisition_facts()
    costs = [
        CostEntry(1, D(2024, 1, 1), D(2024, 1, 31), "web", "", 500.0, "USD", "January web"),
        CostEntry(2, D(2024, 1, 1), D(2024, 1, 31), "web", "low", 90.0),
        CostEntry(3, D(2024, 3, 1), D(2024, 3, 31), "pos", "", 80.0),
        CostEntry(4, D(2024, 2, 1), D(2024, 2, 29), "web", "", 60.0),
    ]
    got = {c["id"]: c for c in economics.acquisition_costs(con, costs)}
    assert got[1]["customers_acquired"] == 2 and got[1]["cac"] == 250.0
    assert got[2]["customers_acquired"] == 1 and got[2]["cac"] == 90.0
    assert got[3]["customers_acquired"] == 0 and got[3]["cac"] is None  # spent for nobody
    assert got[4]["customers_acquired"] == 1  # the cancelled January order did not acquire
    assert economics.acquisition_costs(con, []) == []


def test_the_map_spreads_costs_over_segments_and_nets_first_year_value() -> None:
    con = _acquisition_facts()
    costs = [CostEntry(1, D(2024, 1, 1), D(2024, 2, 29), "web", "", 300.0)]
    cells = {(c["segment"], c["channel"]): c for c in economics.segment_channel_map(con, costs)}
    web_high, web_low, pos_high = cells["high", "web"], cells["low", "web"], cells["high", "pos"]
    # web acquired 1 and 5 (high), 2 (low) in the campaign: 300 / 3 each.
    assert web_high["acquired"] == 2 and web_low["acquired"] == 2  # 4 came in December
    assert web_high["acquisition_cost"] == pytest.approx(200.0)
    assert web_high["cac"] == pytest.approx(100.0) and web_low["cac"] == pytest.approx(100.0)
    # First-year value: customer 1 spent 150 (web then pos), 5 spent 40.
    assert web_high["first_year_value"] == pytest.approx(95.0)
    assert web_high["net_value"] == pytest.approx(-5.0)
    assert web_high["customers"] == 2 and web_high["revenue"] == pytest.approx(140.0)
    assert pos_high["acquired"] == 1 and pos_high["cac"] is None
    assert pos_high["customers"] == 2  # customers 1 and 3 bought at the store
    best = {b["segment"]: b for b in economics.best_channel_per_segment(cells.values())}
    assert best["high"]["channel"] == "web" and best["high"]["basis"] == "net_of_cac"


def test_without_any_cost_the_best_channel_falls_back_to_first_year_value() -> None:
    cells = economics.segment_channel_map(_acquisition_facts(), [])
    best = {b["segment"]: b for b in economics.best_channel_per_segment(cells)}
    assert best["high"]["channel"] == "pos"  # 300 in its first year against 95 on the web
    assert best["high"]["basis"] == "first_year_value"
    assert best["high"]["ranked"] == ["pos", "web"]


def test_a_customer_acquired_less_than_a_year_ago_is_not_yet_compared() -> None:
    cells = economics.segment_channel_map(_acquisition_facts(), [])
    unknown = {c["channel"]: c for c in cells if c["segment"] == "unknown"}
    assert unknown["web"]["acquired"] == 1 and unknown["web"]["matured"] == 0
    assert unknown["web"]["first_year_value"] is None
    assert "unknown" not in {b["segment"] for b in economics.best_channel_per_segment(cells)}
