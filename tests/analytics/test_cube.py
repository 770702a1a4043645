"""The cube over real orders: placed, cancelled and returned through commerce's services,
exported to Parquet, fed incrementally from the hub, asked through the API with each
caller's data scope (a store manager never sees another store's figures)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import openpyxl
import pyarrow.parquet as pq
import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lealtad.analytics import cube_store
from lealtad.analytics.selectors import cube
from lealtad.analytics.selectors.scope import scope_for
from lealtad.analytics.services import facts, scopes
from lealtad.commerce import demo
from lealtad.commerce.models import Category, Order, Variant
from lealtad.commerce.schemas import LineIn, OrderIn, PaymentIn, ReturnIn, ReturnLineIn
from lealtad.commerce.services import SaleContext, placement
from lealtad.commerce.services import catalog as catalog_services
from lealtad.commerce.services import orders as order_services
from lealtad.commerce.services import returns as return_services
from lealtad.core.audit import Actor
from lealtad.core.dispatcher import default_dispatcher
from lealtad.core.hub import to_message
from lealtad.core.models import OutboxMessage
from lealtad.olap.query import EVERYTHING, CubeQuery, Dimension

pytestmark = pytest.mark.django_db
HOME, OFFICE = demo.STORE_HOME, demo.STORE_OFFICE
MANAGE = ("analytics:manage",)


@pytest.fixture
def story(db: Any) -> demo.Story:
    demo.seed_catalog()
    for sku in (demo.TROUSERS_32, "CAM-OXF-CEL-S"):
        for where in (HOME, OFFICE):
            catalog_services.receive_stock(sku, where, 50)
    Variant.objects.filter(sku="CAM-OXF-CEL-S").update(unit_cost=Decimal("20.00"))
    return demo.seed_customer()


def ctx() -> SaleContext:
    return SaleContext(Actor.system("test"), "pos")


def take(story: demo.Story, store: str, sku: str = "CAM-OXF-CEL-S", units: int = 1) -> Order:
    """A sale at a store's till: taken now, the store is the order's."""
    order, _ = placement.place_order(
        OrderIn(
            customer_id=story.customer_id,
            channel="pos",
            lines=[LineIn(sku=sku, quantity=units)],
            fulfilment="take_now",
            pickup_location=store,
            payment=PaymentIn(on_file=True),
        ),
        ctx(),
    )
    return order


def ship(story: demo.Story, store: str) -> Order:
    order, _ = placement.place_order(
        OrderIn(
            customer_id=story.customer_id,
            channel="web",
            lines=[LineIn(sku=demo.TROUSERS_32, quantity=1)],
            fulfilment="ship",
            ship_address_kind="home",
            origin_location=store,
            payment=PaymentIn(on_file=True),
        ),
        ctx(),
    )
    return order


def dispatch() -> None:
    dispatcher = default_dispatcher()
    while dispatcher.run_once():
        pass


def revenue(order: Order) -> float:
    order.refresh_from_db()
    return float(order.subtotal - order.discount)


def by_store(measures: tuple[str, ...] = ("revenue", "orders")) -> dict[str, tuple]:
    found = cube.query(EVERYTHING, CubeQuery(measures, rows=(Dimension("store"),)))
    return {key[0]: values for key, values in found.records}


def test_export_answers_what_the_orders_say(story: demo.Story) -> None:
    a, b = take(story, HOME, units=2), take(story, HOME, demo.TROUSERS_32)
    c = take(story, OFFICE)
    written = facts.export_all()
    assert written["orders"] == 3 and written["order_lines"] == 3
    got = by_store(("revenue", "orders", "units", "margin"))
    assert got[HOME][:3] == (pytest.approx(revenue(a) + revenue(b)), 2, 3)
    assert got[OFFICE][:3] == (pytest.approx(revenue(c)), 1, 1)
    assert got[OFFICE][3] == pytest.approx(revenue(c) - 20.0)  # shirts cost 20.00
    # The trousers' cost is unknown: margin counts only the orders whose cost is known.
    assert got[HOME][3] == pytest.approx(revenue(a) - 40.0)
    lines = cube.query(EVERYTHING, CubeQuery(("margin",), rows=(Dimension("product"),)))
    assert dict(lines.records)[("CAM-OXF",)][0] == pytest.approx(revenue(a) + revenue(c) - 60)


def test_export_shows_progress_and_swaps_whole(story: demo.Story) -> None:
    take(story, HOME)
    seen: list[tuple[str, int, int]] = []
    facts.export_all(progress=lambda step, done, total: seen.append((step, done, total)))
    assert ("facts:orders", 1, 1) in seen
    take(story, HOME)
    facts.export_all()
    assert by_store()[HOME][1] == 2
    root = cube_store.facts_root() / "orders"
    assert not [p for p in root.iterdir() if p.name.startswith(".")]


def test_new_orders_reach_the_cube_through_the_hub(story: demo.Story) -> None:
    take(story, HOME)
    facts.export_all()
    fresh = take(story, OFFICE, units=3)
    assert OFFICE not in by_store()
    dispatch()
    assert by_store()[OFFICE] == (pytest.approx(revenue(fresh)), 1)
    # The customer is as the cube has them: no customers delta to lay over every order.
    assert cube_store.store().files("customers").deltas == ()


def test_a_cancellation_supersedes_the_order_row(story: demo.Story) -> None:
    facts.export_all()
    order = ship(story, HOME)
    dispatch()
    assert by_store()[HOME][1] == 1
    order_services.cancel_order(order, "changed their mind", ctx())
    dispatch()
    assert by_store().get(HOME, (None, 0))[1] == 0
    assert cube.query(EVERYTHING, CubeQuery(("orders",))).records[0][1] == (0,)


def test_a_return_shows_in_returns_and_on_the_line(story: demo.Story) -> None:
    order = take(story, OFFICE, units=2)
    facts.export_all()
    return_services.take_return(
        order,
        ReturnIn(
            channel="pos",
            location=OFFICE,
            reason="does not fit",
            lines=[ReturnLineIn(sku="CAM-OXF-CEL-S", quantity=1)],
        ),
        ctx(),
    )
    dispatch()
    found = cube.query(EVERYTHING, CubeQuery(("returns", "returned_units", "revenue")))
    refund, units, sold = found.records[0][1]
    assert units == 1 and refund == pytest.approx(sold / 2, abs=0.02)
    rows = cube_store.cube().sql("SELECT returned_quantity FROM order_lines")
    assert rows == [(1,)]


def test_a_repeated_delivery_adds_nothing(story: demo.Story) -> None:
    facts.export_all()
    take(story, HOME)
    messages = [to_message(m) for m in OutboxMessage.objects.order_by("id")]
    first = facts.apply_messages(messages)
    assert first["orders"] == 1
    deltas = cube_store.store().files("orders").deltas
    assert facts.apply_messages(messages) == {}
    assert cube_store.store().files("orders").deltas == deltas
    assert by_store()[HOME][1] == 1


def test_compaction_keeps_the_answer(story: demo.Story) -> None:
    facts.export_all()
    take(story, HOME)
    take(story, OFFICE)
    dispatch()
    before = by_store()
    assert facts.compact_all()["orders"] == 2
    assert cube_store.store().files("orders").deltas == ()
    assert by_store() == before


def test_contacts_come_from_the_timeline(story: demo.Story, api: Client) -> None:
    from tests.api_fixtures import make_event, post_events

    post_events(api, [make_event(customer={"email": "rodrigo.juarez@example.ec"})])
    facts.export_all()
    found = cube.query(EVERYTHING, CubeQuery(("contacts",), rows=(Dimension("channel"),)))
    assert dict(found.records)[("call_center",)] == (1,)
    post_events(api, [make_event(customer={"email": "rodrigo.juarez@example.ec"})])
    dispatch()
    found = cube.query(EVERYTHING, CubeQuery(("contacts",), rows=(Dimension("channel"),)))
    assert dict(found.records)[("call_center",)] == (2,)


# The API -------------------------------------------------------------------------------------


@pytest.fixture
def shop(story: demo.Story) -> demo.Story:
    take(story, HOME, units=2)
    take(story, HOME, demo.TROUSERS_32)
    take(story, OFFICE)
    facts.export_all()
    return story


def test_the_cube_over_the_api_as_json_csv_and_excel(shop: demo.Story, token_client) -> None:
    client = token_client("marketer", ("analytics:read",))
    url = "/api/v1/analytics/cube?measures=revenue,orders&rows=store&columns=date:month"
    body = client.get(url).json()
    assert body["measures"] == ["revenue", "orders"]
    assert {r["store"] for r in body["records"]} == {HOME, OFFICE}
    assert body["pivot"]["header"][0] == "store"
    text = client.get(url + "&format=csv").content.decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "store" and {r[0] for r in rows[1:]} == {HOME, OFFICE}
    book = openpyxl.load_workbook(io.BytesIO(client.get(url + "&format=xlsx").content))
    sheet = book.active
    assert sheet is not None and sheet.cell(1, 1).value == "store"


def test_formula_looking_cells_are_defused(shop: demo.Story, token_client) -> None:
    Category.objects.filter(code="camisas").update(name_es='=HYPERLINK("http://x")')
    facts.export_all()
    client = token_client("marketer", ("analytics:read",))
    url = "/api/v1/analytics/cube?measures=units&rows=category"
    text = client.get(url + "&format=csv").content.decode()
    assert "'=HYPERLINK" in text
    book = openpyxl.load_workbook(io.BytesIO(client.get(url + "&format=xlsx").content))
    values = [c.value for row in book.active.iter_rows() for c in row]  # type: ignore[union-attr]
    assert '\'=HYPERLINK("http://x")' in values


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("measures=profit", "measures"),
        ("measures=revenue&rows=colour", "rows"),
        ("measures=revenue&columns=date:fortnight", "columns"),
        ("measures=revenue&filter=store", "filter"),
        ("measures=revenue&from=yesterday", "from"),
        ("measures=revenue&from=2025-02-01&to=2025-01-01", "from"),
        ("measures=revenue&format=pdf", "format"),
        ("measures=contacts&rows=product", "measures"),
    ],
)
def test_bad_parameters_answer_422_naming_them(shop, token_client, query: str, field: str) -> None:
    found = token_client("marketer", ("analytics:read",)).get(f"/api/v1/analytics/cube?{query}")
    assert found.status_code == 422, found.content
    assert found.json()["field"] == field


def test_without_measures_or_capability(shop, token_client) -> None:
    assert (
        token_client("marketer", ("analytics:read",)).get("/api/v1/analytics/cube").status_code
        == 422
    )
    clerk = token_client("store_clerk", ("customers:read",))
    assert clerk.get("/api/v1/analytics/cube?measures=revenue").status_code == 403
    marketer = token_client("marketer", ("analytics:read",))
    assert marketer.get("/api/v1/analytics/facts/orders.parquet").status_code == 403


@pytest.fixture
def store_manager(shop: demo.Story, make_user: Callable) -> Client:
    """A manager of the home store, scoped by an administrator through the API."""
    from lealtad.core import tokens

    user = make_user("manager", "manager-home")
    scopes.set_scope("manager-home", stores=[HOME], actor=Actor.system("test"))
    key = tokens.create_token(user, "test", list(MANAGE))
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def test_an_administrator_sets_a_scope_over_the_api(shop, make_user, token_client) -> None:
    make_user("manager", "manager-office")
    admin = token_client("admin", MANAGE)
    url = "/api/v1/analytics/scopes/manager-office"
    found = admin.put(url, {"stores": [OFFICE]}, content_type="application/json")
    assert found.status_code == 200, found.content
    assert found.json()["stores"] == [OFFICE] and found.json()["restricted"]
    assert admin.get(url).json()["stores"] == [OFFICE]
    bad = admin.put(url, {"stores": [""]}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["field"] == "stores.0"
    assert (
        admin.put(
            "/api/v1/analytics/scopes/nobody", {}, content_type="application/json"
        ).status_code
        == 404
    )
    marketer = token_client("marketer", ("analytics:read",))
    assert marketer.put(url, {"stores": []}, content_type="application/json").status_code == 403


def test_a_store_manager_sees_only_their_store(store_manager: Client) -> None:
    body = store_manager.get("/api/v1/analytics/cube?measures=revenue&rows=store").json()
    assert [r["store"] for r in body["records"]] == [HOME]
    other = store_manager.get(f"/api/v1/analytics/cube?measures=revenue&filter=store:{OFFICE}")
    assert other.json()["records"] == [{"revenue": None}]
    catalog = store_manager.get("/api/v1/analytics/cube/dimensions").json()
    stores = next(d for d in catalog["dimensions"] if d["name"] == "store")
    assert stores["values"] == [HOME]
    table = pq.read_table(
        io.BytesIO(store_manager.get("/api/v1/analytics/facts/orders.parquet").content)
    )
    assert set(table["store"].to_pylist()) == {HOME}
    everything = scope_for(None)
    assert everything.stores == frozenset()  # nobody signed in: nothing at all


MEASURES = st.lists(
    st.sampled_from(["revenue", "margin", "orders", "customers", "units", "average_order_value"]),
    min_size=1,
    max_size=3,
    unique=True,
)
DIMS = st.sampled_from(
    ["", "store", "channel", "date:day", "date:year", "product", "category", "tier"]
)
VALUES = st.lists(
    st.one_of(
        st.sampled_from([HOME, OFFICE, "pos", "CAM-OXF", "camisas"]),
        st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=12),
    ),
    min_size=1,
    max_size=3,
)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    measures=MEASURES,
    rows=DIMS,
    columns=DIMS,
    filter_on=st.sampled_from(["store", "channel", "region", "product", "category"]),
    values=VALUES,
    output=st.sampled_from(["json", "csv"]),
)
def test_no_parameter_shows_another_stores_revenue(
    store_manager: Client, measures, rows, columns, filter_on, values, output
) -> None:
    """Whatever the manager asks, the home store's revenue is all the revenue they get."""
    own = by_store(("revenue",))[HOME][0]
    values = [v.replace(",", " ").replace(";", " ").strip() or "x" for v in values]
    params = {
        "measures": ",".join(dict.fromkeys(["revenue", *measures])),
        "filter": f"{filter_on}:{','.join(values)}",
        "format": output,
    }
    if rows:
        params["rows"] = rows
    if columns and columns.split(":")[0] != rows.split(":")[0]:
        params["columns"] = columns
    found = store_manager.get("/api/v1/analytics/cube", params)
    assert found.status_code == 200, found.content
    if output == "csv":
        assert OFFICE not in found.content.decode()
        return
    records = found.json()["records"]
    assert sum(r["revenue"] or 0 for r in records) <= own + 0.01
    assert all(r.get("store", HOME) == HOME for r in records)


def test_new_segments_reach_the_orders_without_rewriting_them(story: demo.Story) -> None:
    """A refresh exports the customers alone: the changed ones are laid over the orders'
    copies, and a compaction writes them into the orders."""
    from lealtad.customers.models import Customer

    take(story, HOME)
    facts.export_all()
    asked = CubeQuery(("revenue",), rows=(Dimension("segment"),))
    assert [k for k, _ in cube.query(EVERYTHING, asked).records] == [("unknown",)]
    Customer.objects.filter(pk=story.customer_id).update(income_band="high")
    assert facts.export_all(tables=["customers"]) == {"customers": 1}
    assert cube_store.store().files("orders").deltas == ()
    assert [k for k, _ in cube.query(EVERYTHING, asked).records] == [("high",)]
    assert facts.export_all(tables=["customers"]) == {"customers": 0}  # nothing changed
    facts.compact_all()
    assert cube_store.store().files("customers").deltas == ()
    assert [k for k, _ in cube.query(EVERYTHING, asked).records] == [("high",)]


def test_the_command_line_exports_and_asks(shop: demo.Story, make_user) -> None:
    from typer.testing import CliRunner

    from lealtad.cli import app

    runner = CliRunner()
    exported = runner.invoke(app, ["analytics", "facts-export", "--table", "orders"])
    assert exported.exit_code == 0, exported.output
    assert "orders: 3 rows" in exported.output
    wrong = runner.invoke(app, ["analytics", "facts-export", "--table", "invoices"])
    assert wrong.exit_code == 2
    asked = runner.invoke(
        app, ["analytics", "cube", "revenue,orders", "--rows", "store", "--format", "csv"]
    )
    assert asked.exit_code == 0, asked.output
    assert HOME in asked.output and OFFICE in asked.output
    make_user("manager", "manager-cli")
    scopes.set_scope("manager-cli", stores=[OFFICE], actor=Actor.system("test"))
    scoped = runner.invoke(
        app,
        [
            "analytics",
            "cube",
            "revenue",
            "--rows",
            "store",
            "--as",
            "manager-cli",
            "--format",
            "csv",
        ],
    )
    assert OFFICE in scoped.output and HOME not in scoped.output
    bad = runner.invoke(app, ["analytics", "cube", "profit"])
    assert bad.exit_code != 0 and "measures" in bad.output


def test_partners_and_channel_tokens_see_their_channels_only(shop, make_user, token_client) -> None:
    partner = make_user("manager", "partner-web")
    scopes.set_scope("partner-web", partner=True, actor=Actor.system("test"))
    assert scope_for(partner).channels == frozenset()  # no channel listed: nothing
    assert cube.query(scope_for(partner), CubeQuery(("revenue",))).records[0][1] == (None,)
    scopes.set_scope("partner-web", channels=["web"], partner=True, actor=Actor.system("test"))
    assert scope_for(partner).channels == frozenset({"web"})
    client = token_client("manager", ("analytics:read", "channel:web"))
    body = client.get("/api/v1/analytics/cube?measures=revenue&rows=channel").json()
    assert body["records"] == []  # every sale of the shop was at the till (pos)
    client = token_client("manager", ("analytics:read", "channel:pos"))
    body = client.get("/api/v1/analytics/cube?measures=revenue&rows=channel").json()
    assert [r["channel"] for r in body["records"]] == ["pos"]


def test_the_admin_lists_and_edits_scopes(shop, make_user) -> None:
    from django.contrib.auth.models import User

    admin_user = User.objects.create_superuser("root", password="x-Secret-9")
    make_user("manager", "scoped")
    scopes.set_scope("scoped", stores=[HOME], actor=Actor.system("test"))
    from tests.two_factor import verified_login

    client = Client()
    verified_login(client, admin_user)
    page = client.get("/admin/analytics/datascope/")
    assert page.status_code == 200 and b"scoped" in page.content


def test_many_deltas_are_folded_in_the_background(story: demo.Story, monkeypatch) -> None:
    import time

    monkeypatch.setattr(facts, "COMPACT_AFTER_FILES", 1)
    facts.export_all()
    take(story, HOME)
    dispatch()  # the feed writes its deltas, then starts the compaction
    deadline = time.monotonic() + 30
    while cube_store.store().files("orders").deltas and time.monotonic() < deadline:
        time.sleep(0.05)
    assert cube_store.store().files("orders").deltas == ()
    while facts._compacting.locked() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert by_store()[HOME][1] == 1


def test_a_message_of_another_database_is_not_taken_for_a_repeat(story: demo.Story) -> None:
    """Outbox ids start over in another database (a restored backup, a test's): the feed
    tells its messages by id and time, so one with an id seen before is still applied."""
    from dataclasses import replace
    from datetime import timedelta

    facts.export_all()
    take(story, HOME)
    messages = [to_message(m) for m in OutboxMessage.objects.order_by("id")]
    assert facts.apply_messages(messages)["orders"] == 1
    assert facts.apply_messages(messages) == {}
    elsewhere = [replace(m, created_at=m.created_at + timedelta(seconds=1)) for m in messages]
    assert facts.apply_messages(elsewhere)["orders"] == 1
