"""The cube's engine on synthetic facts: answers match the data summed another way, scope
filters hold whatever the question, deltas supersede and compaction keeps the answer."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lealtad.olap import synthetic
from lealtad.olap.engine import Cube, compact
from lealtad.olap.query import (
    EVERYTHING,
    CubeError,
    CubeQuery,
    Dimension,
    Scope,
    drill_across,
    drill_down,
)
from lealtad.olap.store import FactStore


@pytest.fixture(scope="module")
def facts(tmp_path_factory: pytest.TempPathFactory) -> tuple[Cube, pa.Table, pa.Table, pa.Table]:
    root = tmp_path_factory.mktemp("facts")
    store = FactStore(root)
    people = synthetic.customers(2_000)
    orders, lines = synthetic.order_lines(30_000, 2_000, people=people)
    synthetic.write(store, "customers", people)
    synthetic.write(store, "orders", orders)
    synthetic.write(store, "order_lines", lines)
    return Cube(store), people, orders, lines


def _sum(table: pa.Table, column: str, mask: pa.Array | None = None) -> float:
    data = table if mask is None else table.filter(mask)
    return float(pc.sum(data[column]).as_py() or 0)


def test_revenue_by_store_matches_the_orders(facts) -> None:
    cube, _, orders, _ = facts
    found = cube.query(CubeQuery(("revenue", "orders"), rows=(Dimension("store"),)), EVERYTHING)
    got = {key[0]: values for key, values in found.records}
    for store in ("S01", "S07", ""):
        mask = pc.equal(orders["store"], store)
        assert got[store][0] == pytest.approx(_sum(orders, "revenue", mask), rel=1e-9)
        live = pc.and_(mask, pc.not_equal(orders["status"], "cancelled"))
        assert got[store][1] == pc.sum(pc.cast(live, pa.int64())).as_py()


def test_lines_and_orders_agree_and_category_reads_lines(facts) -> None:
    cube, _, orders, lines = facts
    total = cube.query(CubeQuery(("revenue", "units")), EVERYTHING).records[0][1]
    assert total[0] == pytest.approx(_sum(orders, "revenue"), rel=1e-9)
    by_category = cube.query(CubeQuery(("revenue",), rows=(Dimension("category"),)), EVERYTHING)
    assert sum(v[0] for _, v in by_category.records) == pytest.approx(total[0], rel=1e-9)
    assert total[1] == _sum(lines, "quantity")


def test_margin_counts_only_known_costs(facts) -> None:
    cube, _, _, lines = facts
    found = cube.query(CubeQuery(("margin",), filters={"category": ("cat-03",)}), EVERYTHING)
    known = pc.and_(pc.equal(lines["category"], "cat-03"), pc.is_valid(lines["cost"]))
    expected = _sum(lines, "revenue", known) - _sum(lines, "cost", known)
    assert found.records[0][1][0] == pytest.approx(expected, abs=0.01)


def test_tier_comes_from_the_customers_dimension(facts) -> None:
    cube, people, orders, _ = facts
    found = cube.query(CubeQuery(("revenue",), rows=(Dimension("tier"),)), EVERYTHING)
    mvc = set(people.filter(pc.equal(people["tier"], "mvc"))["customer_id"].to_pylist())
    mask = pa.array([c in mvc for c in orders["customer_id"].to_pylist()])
    got = dict(found.records)
    assert got[("mvc",)][0] == pytest.approx(_sum(orders, "revenue", mask), rel=1e-9)


def test_month_grain_pivot_and_drill_down_to_days(facts) -> None:
    cube, _, _orders, _ = facts
    asked = CubeQuery(
        ("revenue",),
        rows=(Dimension("channel"),),
        columns=(Dimension("date", "month"),),
        date_from=date(2024, 1, 1),
        date_to=date(2024, 12, 31),
    )
    found = cube.query(asked, EVERYTHING)
    header, columns, _rows = found.pivot()
    assert len(columns) == 12 and header[0] == "channel"
    march = drill_down(asked, "date", "2024-03-01")
    assert march.date_from == date(2024, 3, 1) and march.date_to == date(2024, 3, 31)
    days = cube.query(march, EVERYTHING)
    in_march = {k[1] for k, _ in days.records}
    assert min(in_march) == "2024-03-01" and max(in_march) == "2024-03-31"
    web_march = next(v[0] for k, v in found.records if k == ("web", "2024-03-01"))
    assert sum(v[0] for k, v in days.records if k[0] == "web") == pytest.approx(web_march)


def test_drill_down_fixes_the_parent_and_across_lines_up(facts) -> None:
    cube, _, _, _ = facts
    asked = CubeQuery(("revenue",), rows=(Dimension("category"),))
    finer = drill_down(asked, "category", "cat-05")
    assert finer.filters == {"category": ("cat-05",)} and finer.rows == (Dimension("product"),)
    parent = dict(cube.query(asked, EVERYTHING).records)[("cat-05",)][0]
    children = cube.query(finer, EVERYTHING)
    assert sum(v[0] for _, v in children.records) == pytest.approx(parent)
    across = drill_across(
        CubeQuery(("revenue",), rows=(Dimension("channel"),)), ("revenue", "contacts")
    )
    found = cube.query(across, EVERYTHING)
    assert all(v[1] is None for _, v in found.records)  # no contacts in these facts


@pytest.mark.parametrize(
    ("asked", "parameter"),
    [
        (CubeQuery(()), "measures"),
        (CubeQuery(("profit",)), "measures"),
        (CubeQuery(("revenue",), rows=(Dimension("colour"),)), "rows"),
        (CubeQuery(("revenue",), filters={"date": ("2024",)}), "filter"),
        (CubeQuery(("contacts",), rows=(Dimension("product"),)), "measures"),
        (CubeQuery(("revenue",), date_from=date(2025, 1, 2), date_to=date(2025, 1, 1)), "from"),
    ],
)
def test_bad_questions_name_the_parameter(facts, asked: CubeQuery, parameter: str) -> None:
    with pytest.raises(CubeError) as caught:
        facts[0].query(asked, EVERYTHING)
    assert caught.value.parameter == parameter


TEXT = st.text(min_size=1, max_size=30)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    dimension=st.sampled_from(["channel", "store", "region", "category", "product"]),
    values=st.lists(
        st.one_of(TEXT, st.sampled_from(["S01", "S02", "web", "' OR 1=1 --"])),
        min_size=1,
        max_size=4,
    ),
    by=st.sampled_from(["store", "channel", "tier", "category", ""]),
)
def test_a_store_scope_never_shows_another_store(facts, dimension, values, by) -> None:
    """Whatever filter a caller adds (quotes and SQL included), a caller scoped to S01 gets
    no more than S01's revenue, and a filter only narrows it."""
    cube, _, orders, _ = facts
    scope = Scope(stores=frozenset({"S01"}))
    rows = (Dimension(by),) if by else ()
    found = cube.query(
        CubeQuery(("revenue",), rows=rows, filters={dimension: tuple(values)}), scope
    )
    limit = _sum(orders, "revenue", pc.equal(orders["store"], "S01"))
    assert sum(v[0] or 0 for _, v in found.records) <= limit + 0.01
    if by == "store":
        assert {k[0] for k, _ in found.records} <= {"S01"}


def test_scope_on_a_dimension_a_fact_lacks_shows_nothing(facts) -> None:
    cube, _, _, _ = facts
    scope = Scope(stores=frozenset({"S01"}))
    assert cube.query(CubeQuery(("contacts",)), scope).records[0][1] == (0,)
    none = Scope(channels=frozenset())
    assert cube.query(CubeQuery(("revenue",)), none).records[0][1] == (None,)


def test_catalog_lists_only_the_scope(facts) -> None:
    cube, _, _, _ = facts
    found = cube.catalog(Scope(stores=frozenset({"S02", "S03"})))
    assert found["store"] == ["S02", "S03"]
    assert "web" in found["channel"]


def test_deltas_supersede_and_compaction_keeps_the_answer(tmp_path: Path) -> None:
    store = FactStore(tmp_path)
    orders, _lines = synthetic.order_lines(3_000, 100)
    synthetic.write(store, "orders", orders)
    cube = Cube(store)
    before = cube.query(CubeQuery(("revenue", "orders")), EVERYTHING).records[0][1]
    first = orders.slice(0, 1).to_pylist()[0]
    cancelled = {k: [v] for k, v in {**first, "status": "cancelled"}.items()}
    store.append_delta("orders", [cancelled], time.time_ns())
    after = cube.query(CubeQuery(("revenue", "orders")), EVERYTHING).records[0][1]
    assert after[1] == before[1] - 1
    assert after[0] == pytest.approx(before[0] - first["revenue"])
    fresh = {k: [v] for k, v in {**first, "order_id": 10**9, "status": "completed"}.items()}
    store.append_delta("orders", [fresh], time.time_ns())
    store.append_delta("orders", [fresh], time.time_ns())  # the same order read twice
    grown = cube.query(CubeQuery(("revenue", "orders")), EVERYTHING).records[0][1]
    assert grown[1] == before[1]
    assert compact(cube, "orders") == orders.num_rows + 1
    assert store.files("orders").deltas == ()
    assert cube.query(CubeQuery(("revenue", "orders")), EVERYTHING).records[0][1] == grown


def test_an_empty_store_answers_nothing(tmp_path: Path) -> None:
    cube = Cube(FactStore(tmp_path))
    found = cube.query(CubeQuery(("revenue", "contacts"), rows=(Dimension("channel"),)), EVERYTHING)
    assert found.records == []
    assert cube.catalog(EVERYTHING)["store"] == []


def test_a_snapshot_swaps_whole(tmp_path: Path) -> None:
    """A reader sees the old snapshot until the new one is renamed in, never part of it."""
    store = FactStore(tmp_path)
    orders, _ = synthetic.order_lines(3_000, 100)
    synthetic.write(store, "orders", orders)
    cube = Cube(store)
    count = cube.query(CubeQuery(("orders",)), EVERYTHING).records[0][1][0]
    writer = store.snapshot("orders")
    writer.write({n: orders[n].slice(0, 10) for n in orders.column_names})
    assert cube.query(CubeQuery(("orders",)), EVERYTHING).records[0][1][0] == count
    writer.commit()
    assert cube.query(CubeQuery(("orders",)), EVERYTHING).records[0][1][0] == 10
    assert not np.any(
        [p.startswith(".") for p in (x.name for x in (tmp_path / "orders").iterdir())]
    )


def test_a_date_without_grain_is_by_month(facts) -> None:
    found = facts[0].query(CubeQuery(("orders",), rows=(Dimension("date"),)), EVERYTHING)
    assert found.dimensions == ("date:month",)
    assert all(key[0].endswith("-01") for key, _ in found.records)


def test_files_written_before_the_customer_copies_still_read(tmp_path: Path) -> None:
    """A snapshot from before orders carried c_segment/c_tier/c_region: read, copies empty."""
    import json

    import pyarrow.parquet as pq

    from lealtad.olap.schema import ENRICHED

    orders, _ = synthetic.order_lines(300, 10)
    folder = tmp_path / "orders" / "base-000001"
    folder.mkdir(parents=True)
    pq.write_table(orders.drop_columns(list(ENRICHED)), folder / "part-00000.parquet")
    (folder / "_meta.json").write_text(json.dumps({"watermark": 0, "started": 1, "rows": 1}))
    store = FactStore(tmp_path)
    fresh = {k: [v] for k, v in {**orders.slice(0, 1).to_pylist()[0], "order_id": 10**9}.items()}
    store.append_delta("orders", [fresh], time.time_ns())
    found = Cube(store).query(CubeQuery(("orders",), rows=(Dimension("tier"),)), EVERYTHING)
    assert found.records[0][0] == ("unknown",)
    assert found.records[0][1][0] > 0


@pytest.mark.parametrize("changed", [3, 32, 33, 400])
def test_customers_changed_in_deltas_read_as_they_are_now(tmp_path: Path, changed: int) -> None:
    """Whether the view lists the replaced keys (a few) or anti-joins the deltas (many),
    each customer reads once, as the newest delta has them."""
    store = FactStore(tmp_path)
    people = synthetic.customers(2_000)
    synthetic.write(store, "customers", people)
    cube = Cube(store)
    moved = people.slice(0, changed)
    for start in range(0, changed, 100):  # several deltas, the last read of a key winning
        part = moved.slice(start, 100)
        for tier in ("bronze-old", "platinum-new"):
            row = {n: part[n] for n in part.column_names}
            row["tier"] = pa.array([tier] * part.num_rows)
            store.append_delta("customers", [row], time.time_ns())
    rows = cube.sql("SELECT customer_id, tier FROM customers")
    assert len(rows) == people.num_rows == len({pk for pk, _ in rows})
    now = dict(rows)
    ids = moved["customer_id"].to_pylist()
    assert {now[pk] for pk in ids} == {"platinum-new"}
    kept = people.slice(changed)
    assert [now[pk] for pk in kept["customer_id"].to_pylist()] == kept["tier"].to_pylist()
