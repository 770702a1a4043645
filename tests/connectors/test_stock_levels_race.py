"""Two reports of the same levels applied at once, each on its own connection (PostgreSQL:
SQLite runs one writer at a time). The older one must not win by committing last: it waits
for the newer one and then finds it already applied, for a stock row that existed and for
one the newer report creates."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection, transaction

from lealtad.channels.connectors import state_reports
from lealtad.commerce.models import Location, Stock, Variant
from lealtad.commerce.selectors import stock_level
from lealtad.core.audit import Actor
from tests.connectors.conftest import stock_catalog

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite serializes writers: nothing can race"
    ),
]

SYSTEM = "inventario_legacy"
ACTOR = Actor(label="connector inventory", channel=SYSTEM)


def _reports(hour: int, on_hand: int) -> list[state_reports.Report]:
    moment = datetime(2026, 11, 24, hour, tzinfo=UTC)
    return [
        state_reports.Report(n, {"sku": sku, "location": "quito-norte", "on_hand": on_hand}, moment)
        for n, sku in enumerate(["SKU-OLD-ROW", "SKU-NEW-ROW"])
    ]


def _waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return bool(cursor.fetchone()[0])


def test_an_older_report_racing_a_newer_one_does_not_move_levels_back():
    stock_catalog(["SKU-OLD-ROW", "SKU-NEW-ROW"])
    Stock.objects.create(
        variant=Variant.objects.get(sku="SKU-OLD-ROW"),
        location=Location.objects.get(code="quito-norte"),
        on_hand=1,
    )
    newer_applied, newer_may_commit = threading.Event(), threading.Event()
    verdicts: dict[str, Any] = {}

    def newer() -> None:  # 11:00, holds its transaction open until told
        try:
            with transaction.atomic():
                verdicts["newer"] = state_reports.apply(SYSTEM, _reports(11, 5), "newer", ACTOR)
                newer_applied.set()
                newer_may_commit.wait(timeout=60)
        finally:
            newer_applied.set()
            connection.close()

    def older() -> None:  # 10:00, started while the newer one is applied but not committed
        try:
            with transaction.atomic():
                verdicts["older"] = state_reports.apply(SYSTEM, _reports(10, 9), "older", ACTOR)
        except Exception as exc:  # pragma: no cover - shown by the assertion below
            verdicts["older"] = exc
        finally:
            connection.close()

    first = threading.Thread(target=newer)
    first.start()
    assert newer_applied.wait(timeout=60)
    second = threading.Thread(target=older)
    second.start()
    deadline = time.monotonic() + 30
    while not _waiting_on_a_lock() and second.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    newer_may_commit.set()
    first.join(timeout=60)
    second.join(timeout=60)

    assert [v.status for v in verdicts["newer"].values()] == ["created", "created"]
    assert [v.status for v in verdicts["older"].values()] == ["duplicate", "duplicate"]
    assert stock_level("SKU-OLD-ROW", "quito-norte") == (5, 0)
    assert stock_level("SKU-NEW-ROW", "quito-norte") == (5, 0)
