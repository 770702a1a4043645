"""A legacy inventory's stock file, applied as sets: commerce's stock is set from it, bad rows
are rejected with line and field while the rest goes on, a crash resumes exactly, a repeated or
late file changes nothing, and subscribers receive every level that changed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from lealtad.channels.connectors import (
    inbound,
    inbound_files,
    inbound_replay,
    registry,
    state_reports,
    subscribers,
)
from lealtad.channels.connectors.spec import load_connector
from lealtad.channels.models import FileProgress, ReceivedEvent, Reject, ReportedState
from lealtad.commerce.models import Location, Stock, Variant
from lealtad.commerce.selectors import stock_level
from lealtad.commerce.services import stock_levels
from lealtad.core import hub
from lealtad.core.models import AuditEntry, OutboxMessage
from tests.connectors.conftest import EXAMPLES, dispatch, inbox, stock_catalog

pytestmark = pytest.mark.django_db

HEADER = "ITEM,BODEGA,CANT,RESERV,FECHA_HORA"
CODES = {"01": "quito-norte", "02": "quito-sur", "03": "guayaquil-centro", "09": "cd-pifo"}


def _sku(n: int) -> str:
    return f"SKU-{n:05d}"


def stock_file(
    rows: int, stamp: str = "20261124080000", units: Callable[[int], int] = lambda n: n % 50
) -> list[str]:
    """Lines of a file: row n (line n + 2) is SKU n // 4 at the n % 4-th warehouse."""
    codes = list(CODES)
    return [HEADER] + [f"{_sku(n // 4)},{codes[n % 4]},{units(n)},1,{stamp}" for n in range(rows)]


def drop(home: Path, name: str, lines: list[str]) -> Path:
    path = inbox(home, "inventory", "inbox/existencias") / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def levels() -> dict[tuple[str, str], int]:
    return {
        (sku, code): on_hand
        for sku, code, on_hand in Stock.objects.values_list(
            "variant__sku", "location__code", "on_hand"
        )
    }


def announced() -> list[dict[str, Any]]:
    """Every level listed in the ``stock.levels_changed`` messages, in order."""
    return [
        level
        for message in OutboxMessage.objects.filter(event_type="stock.levels_changed")
        for level in message.payload["levels"]
    ]


@pytest.fixture
def inventory(install: Callable[..., None], home: Path) -> Any:
    """The example inventory connector, in batches of 5,000 (the example has 10,000)."""
    install("inventory")
    path = home / "connectors" / "inventory.yaml"
    path.write_text(path.read_text().replace("batch: 10000", "batch: 5000"))
    subscribers.forget()
    subscribers.sync()
    found = registry.get("inventory")
    assert found is not None and found.stream("existencias").batch == 5000
    return found


def test_a_big_file_with_bad_rows_rejects_them_with_line_and_field_and_applies_the_rest(
    inventory, home
):
    stock_catalog([_sku(n) for n in range(2_999)])  # SKU-02999 is not in the catalog
    held = Stock.objects.create(
        variant=Variant.objects.get(sku="SKU-00010"),
        location=Location.objects.get(code="quito-sur"),
        on_hand=40,
        reserved=30,  # an open order holds 30 units there
    )
    lines = stock_file(12_000)
    lines[4] = "SKU-00000,09,x,0,20261124080000"  # line 5
    lines[42] = "SKU-00010,02,12,0,20261124080000"  # line 43: below the 30 reserved
    lines[6_999] = "SKU-01749,05,3,0,20261124080000"  # line 7000: no such warehouse
    lines[9_000] = "SKU-02249,01,-3,0,20261124080000"  # line 9001: negative
    lines[10_000] = "SKU-02499,01,3,0,"  # line 10001: no date
    drop(home, "existencias.csv", lines)

    [report] = inbound_files.run(inventory)

    rejects = {r.line: (r.field, r.message) for r in Reject.objects.all()}
    assert rejects == {
        5: ("CANT", "'x' is not a whole number"),
        43: ("CANT", "30 units here are reserved for open orders; on hand cannot be less"),
        7000: ("BODEGA", "'05' is not one of '01', '02', '03', '09'"),
        9001: ("CANT", "Input should be greater than or equal to 0"),
        10001: ("FECHA_HORA", "is required"),
        **{
            line: ("ITEM", "no product variant has the SKU 'SKU-02999'")
            for line in (11998, 11999, 12000, 12001)
        },
    }
    assert Reject.objects.get(line=7000).record == {
        "ITEM": "SKU-01749",
        "BODEGA": "05",
        "CANT": "3",
        "RESERV": "0",
        "FECHA_HORA": "20261124080000",
    }
    assert (report.records, report.created, report.rejected) == (12_000, 11_991, 9)
    assert report.changed == 11_991
    # Rejected rows wrote nothing; every other row set its level.
    held.refresh_from_db()
    assert (held.on_hand, held.reserved) == (40, 30)
    assert stock_level("SKU-00000", "cd-pifo") == (0, 0)
    assert not Stock.objects.filter(variant__sku="SKU-02999").exists()
    assert Stock.objects.count() == 12_000 - 9 + 1  # + the held row, already there
    assert stock_level("SKU-00001", "quito-norte") == (4, 0)
    assert stock_level("SKU-02998", "cd-pifo") == (11_995 % 50, 0)
    # One message per batch of 5,000 lists every level that changed in it.
    assert OutboxMessage.objects.filter(event_type="stock.levels_changed").count() == 3
    listed = announced()
    assert len(listed) == 11_991
    assert listed[0] == {
        "sku": "SKU-00000",
        "location": "quito-norte",
        "on_hand": 0,
        "previous": None,
        "reserved": 0,
        "reported_at": "2026-11-24T08:00:00-05:00",
    }
    assert AuditEntry.objects.filter(action="stock.levels_set").count() == 3
    # A report stands in for its received event: no row per record.
    assert not ReceivedEvent.objects.exists()
    assert ReportedState.objects.count() == 11_991
    progress = FileProgress.objects.get()
    assert (progress.records_done, progress.rejected, progress.status) == (12_000, 9, "done")


def test_the_same_file_again_changes_nothing(inventory, home):
    stock_catalog([_sku(n) for n in range(250)])
    drop(home, "a.csv", stock_file(1_000))
    drop(home, "b.csv", stock_file(1_000))  # delivered twice, under another name
    first, second = inbound_files.run(inventory)
    assert (first.created, first.changed) == (1_000, 1_000)
    assert (second.created, second.duplicate, second.changed, second.rejected) == (0, 1_000, 0, 0)
    assert OutboxMessage.objects.filter(event_type="stock.levels_changed").count() == 1
    assert AuditEntry.objects.filter(action="stock.levels_set").count() == 1
    drop(home, "a.csv", stock_file(1_000))  # and once more under its first name
    [third] = inbound_files.run(inventory)
    assert third.created == 0 and third.changed == 0
    assert len(levels()) == 1_000


def test_a_late_file_does_not_move_levels_back_and_a_new_one_writes_only_changes(inventory, home):
    stock_catalog([_sku(n) for n in range(25)])
    drop(home, "1.csv", stock_file(100, "20261124100000"))
    drop(home, "2.csv", stock_file(100, "20261124090000", units=lambda n: 99))  # older
    _, late = inbound_files.run(inventory)
    assert (late.duplicate, late.changed) == (100, 0)
    assert stock_level("SKU-00003", "quito-norte") == (12, 0)
    before = levels()

    drop(home, "3.csv", stock_file(100, "20261124110000", units=lambda n: 7 if n == 13 else n % 50))
    [newer] = inbound_files.run(inventory)
    assert (newer.created, newer.changed, newer.duplicate) == (100, 1, 0)
    assert levels() == {**before, ("SKU-00003", "quito-sur"): 7}
    assert announced()[-1] == {
        "sku": "SKU-00003",
        "location": "quito-sur",
        "on_hand": 7,
        "previous": 13,
        "reserved": 0,
        "reported_at": "2026-11-24T11:00:00-05:00",
    }
    kept = ReportedState.objects.get(key="SKU-00000@quito-norte")
    assert kept.occurred_at == datetime(2026, 11, 24, 16, tzinfo=UTC)  # every report moved it
    # Within one file, the newest report of a key wins, wherever it is; of two as new, the
    # first (as when they come in two files).
    drop(
        home,
        "4.csv",
        [
            HEADER,
            "SKU-00001,01,5,0,20261124130000",
            "SKU-00001,01,8,0,20261124120000",
            "SKU-00001,01,6,0,20261124130000",
        ],
    )
    [mixed] = inbound_files.run(inventory)
    assert (mixed.created, mixed.duplicate) == (1, 2)
    assert stock_level("SKU-00001", "quito-norte") == (5, 0)


def test_a_refused_level_keeps_no_reported_time_and_a_late_refused_one_is_a_repeat(inventory, home):
    stock_catalog([_sku(0)])
    Stock.objects.create(
        variant=Variant.objects.get(sku=_sku(0)),
        location=Location.objects.get(code="quito-norte"),
        on_hand=10,
        reserved=4,  # an open order holds 4 units there
    )
    drop(home, "1.csv", [HEADER, f"{_sku(0)},01,3,0,20261124100000"])  # below the 4 reserved
    drop(home, "2.csv", [HEADER, f"{_sku(0)},01,6,0,20261124090000"])  # older, but 10:00 failed
    drop(home, "3.csv", [HEADER, f"{_sku(0)},01,2,0,20261124080000"])  # refused, and too late
    refused, applied, late = inbound_files.run(inventory)

    assert (refused.rejected, refused.created, refused.changed) == (1, 0, 0)
    assert Reject.objects.get().message == (
        "4 units here are reserved for open orders; on hand cannot be less"
    )
    assert (applied.created, applied.changed) == (1, 1)
    assert (late.duplicate, late.rejected) == (1, 0)  # a repeat, not a second reject
    assert stock_level(_sku(0), "quito-norte") == (6, 4)
    kept = ReportedState.objects.get(key=f"{_sku(0)}@quito-norte")
    assert kept.occurred_at == datetime(2026, 11, 24, 14, tzinfo=UTC)  # 09:00 in Guayaquil


def test_a_crash_mid_file_resumes_exactly_where_it_stopped(inventory, home, monkeypatch):
    stock_catalog([_sku(n) for n in range(3_000)])
    path = drop(home, "stock.csv", stock_file(12_000))
    real = stock_levels.set_levels
    calls = {"n": 0}

    def killed_on_third_batch(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt("killed mid-file")
        return real(*args, **kwargs)

    monkeypatch.setattr(stock_levels, "set_levels", killed_on_third_batch)
    with pytest.raises(KeyboardInterrupt):
        inbound_files.run(inventory)
    progress = FileProgress.objects.get()
    assert (progress.records_done, progress.status) == (10_000, "running")
    assert Stock.objects.count() == ReportedState.objects.count() == 10_000
    assert len(announced()) == 10_000
    assert path.exists()

    monkeypatch.setattr(stock_levels, "set_levels", real)
    [report] = inbound_files.run(inventory)
    assert report.resumed_at == 10_000
    assert (report.records, report.created, report.duplicate) == (2_000, 2_000, 0)
    progress.refresh_from_db()
    assert (progress.records_done, progress.created, progress.status) == (12_000, 12_000, "done")
    expected = {(_sku(n // 4), list(CODES.values())[n % 4]): n % 50 for n in range(12_000)}
    assert levels() == expected
    listed = announced()  # each level announced once, across the crash
    assert sorted((x["sku"], x["location"]) for x in listed) == sorted(expected)
    assert (path.parent / "done" / "stock.csv").exists()


def test_subscribers_receive_every_level_that_changed(inventory, home):
    stock_catalog([_sku(n) for n in range(3_000)])
    heard: list[dict[str, Any]] = []
    hub.subscriber("stock.levels_changed", name="test.stock_listener")(
        lambda message: heard.extend(message.payload["levels"])
    )
    try:
        drop(home, "1.csv", stock_file(12_000))
        drop(home, "2.csv", stock_file(12_000, "20261124090000", lambda n: n % 50 + (n % 7 == 0)))
        inbound_files.run(inventory)
        dispatch()
    finally:
        hub.unsubscribe("test.stock_listener")
    assert len(heard) == 12_000 + len(range(0, 12_000, 7))
    last = {(x["sku"], x["location"]): x["on_hand"] for x in heard}
    assert last == levels()


def test_rejected_levels_are_applied_on_replay_once_the_catalog_has_them(inventory, home):
    stock_catalog(["SKU-00000"])
    drop(
        home,
        "s.csv",
        [HEADER, "SKU-00000,01,4,0,20261124080000", "SKU-00001,01,6,0,20261124080000"],
    )
    [report] = inbound_files.run(inventory)
    assert (report.created, report.rejected) == (1, 1)
    assert Reject.objects.get().field == "ITEM"
    Variant.objects.create(product=Variant.objects.get().product, sku="SKU-00001", price=1)
    replayed = inbound_replay.replay_rejects(inventory)
    assert (replayed.resolved, replayed.still_rejected) == (1, 0)
    assert stock_level("SKU-00001", "quito-norte") == (6, 0)
    assert inbound_replay.replay_rejects(inventory).resolved == 0


def test_levels_posted_as_events_are_checked_and_applied_the_same_way(inventory, api):
    stock_catalog(["SKU-00000"])
    Stock.objects.create(
        variant=Variant.objects.get(sku="SKU-00000"),
        location=Location.objects.get(code="quito-sur"),
        on_hand=10,
        reserved=4,
    )

    def event(event_id: str, sku: str, location: str, on_hand: int, hour: int) -> dict:
        return {
            "id": event_id,
            "type": "stock.level_reported",
            "channel": "inventario_legacy",
            "occurred_at": f"2026-11-24T{hour:02d}:00:00-05:00",
            "customer": {"name": "inventario_legacy"},
            "payload": {"sku": sku, "location": location, "on_hand": on_hand},
        }

    answer = api.post(
        "/api/v1/events",
        [
            event("e1", "SKU-00000", "quito-norte", 9, 10),
            event("e2", "SKU-99999", "quito-norte", 9, 10),
            event("e3", "SKU-00000", "nowhere", 9, 10),
            event("e4", "SKU-00000", "quito-sur", 3, 10),
            event("e5", "SKU-00000", "quito-sur", 4, 10),
        ],
        content_type="application/json",
    ).json()
    assert [(r["status"], [e["field"] for e in r["errors"]]) for r in answer["results"]] == [
        ("created", []),
        ("rejected", ["payload.sku"]),
        ("rejected", ["payload.location"]),
        ("rejected", ["payload.on_hand"]),
        ("created", []),
    ]
    assert stock_level("SKU-00000", "quito-norte") == (9, 0)
    assert stock_level("SKU-00000", "quito-sur") == (4, 4)
    again = api.post(
        "/api/v1/events",
        [
            event("e1", "SKU-00000", "quito-norte", 9, 10),
            event("e6", "SKU-00000", "quito-norte", 1, 9),
        ],
        content_type="application/json",
    ).json()
    assert [r["status"] for r in again["results"]] == ["duplicate", "created"]
    assert stock_level("SKU-00000", "quito-norte") == (9, 0)  # e6 is older than e1


# The lean paths give the same answers as the general ones -----------------------------------

CELLS = st.one_of(
    st.sampled_from(["01", "02", "09", "05", " 01", "", " ", "7", "007", "-3", "x", "1.5", "²"]),
    st.sampled_from(["20261124080000", "20261124080000 ", "2026112408", "SKU-1", " SKU-1 "]),
    st.text(max_size=8),
)


@settings(max_examples=300, deadline=None)
@given(
    st.fixed_dictionaries({k: CELLS for k in ("ITEM", "BODEGA", "CANT", "RESERV", "FECHA_HORA")})
)
def test_the_lean_mapping_of_a_record_is_the_general_one(record: dict[str, str]) -> None:
    text = (EXAMPLES / "inventory.yaml").read_text()
    text = text.replace("${INVENTORY_URL}", "https://x.example").replace(
        "${INVENTORY_SECRET}", "s" * 20
    )
    connector = load_connector(text.replace("${INVENTORY_ALLOW_PRIVATE:-false}", "false"))
    stream = connector.stream("existencias")
    assert stream is not None
    mapper = inbound.mapper(connector, stream)
    assert mapper.flat()
    now = datetime(2026, 11, 24, tzinfo=UTC)
    mapper.fields({**record, "FECHA_HORA": "20261124080000"}, now)  # a timestamp seen before
    lean, full = mapper.fields(record, now), mapper.map(record, now)
    assert lean.problems == full.problems
    if full.event is None:
        assert lean.event is None
    else:
        assert lean.event == {
            "payload": full.event["payload"],
            "occurred_at": full.event["occurred_at"],
        }


PAYLOAD_VALUES = st.one_of(
    st.none(),
    st.integers(min_value=-2, max_value=10**9 + 1),
    st.sampled_from(["", " a ", "SKU-1", "x" * 65, "7", "2026-11-24T10:00:00-05:00", "2026-11-24"]),
    st.booleans(),
    st.floats(allow_nan=False, max_value=1e10, min_value=-1e10),
)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["sku", "location", "on_hand", "reserved", "as_of", "other"]),
        PAYLOAD_VALUES,
    )
)
def test_validating_payloads_in_bulk_is_validating_each_with_the_model(payload: dict) -> None:
    [valid], errors = state_reports.validate([payload])
    try:
        model = state_reports.StockLevelPayload.model_validate(payload)
    except ValidationError as exc:
        assert valid is None
        assert sorted((e["field"], e["message"]) for e in errors[0]) == sorted(
            (".".join(["payload", *map(str, e["loc"])]), e["msg"]) for e in exc.errors()
        )
    else:
        assert errors == {}
        assert valid == model.model_dump()
