"""``core.db.update_rows`` and ``upsert_rows``: the set-based writes by key every context
shares (merges, stock files, external systems' reports). Values go in as the ORM would store
them (JSON, aware datetimes), an upsert changes a stored row only where its condition holds,
and a refused row leaves nothing behind, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from lealtad.channels.models import ExternalRecord
from lealtad.core.db import update_rows, upsert_rows

pytestmark = pytest.mark.django_db

AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
COLUMNS = ("system", "kind", "key", "customer_id", "data", "event_id", "occurred_at", "updated_at")
NEWER = "excluded.occurred_at >= {table}.occurred_at"


def _report(key: str, minutes: int, data: dict, customer: int | None = None) -> tuple:
    at = AT + timedelta(minutes=minutes)
    return ("erp", "invoice", key, customer, data, f"ev-{key}-{minutes}", at, at)


def _kept() -> dict[str, tuple]:
    rows = ExternalRecord.objects.values_list("key", "data", "occurred_at", "customer_id")
    return {key: (data, at, customer) for key, data, at, customer in rows}


def test_upsert_inserts_new_rows_with_json_and_moments_as_the_orm_stores_them() -> None:
    upsert_rows(
        ExternalRecord,
        COLUMNS,
        [_report("F-1", 0, {"total": "11.20", "iva": [15]}, 7)],
        key=COLUMNS[:3],
    )
    assert _kept() == {"F-1": ({"total": "11.20", "iva": [15]}, AT, 7)}


def test_an_older_report_changes_nothing_and_a_newer_one_replaces_every_column() -> None:
    upsert_rows(ExternalRecord, COLUMNS, [_report("F-1", 10, {"v": 1}, 7)], key=COLUMNS[:3])
    upsert_rows(
        ExternalRecord,
        COLUMNS,
        [_report("F-1", 5, {"v": 0}, 8), _report("F-2", 5, {"v": 2})],
        key=COLUMNS[:3],
        when=NEWER,
    )
    assert _kept() == {
        "F-1": ({"v": 1}, AT + timedelta(minutes=10), 7),
        "F-2": ({"v": 2}, AT + timedelta(minutes=5), None),
    }
    upsert_rows(
        ExternalRecord, COLUMNS, [_report("F-1", 20, {"v": 3}, 9)], key=COLUMNS[:3], when=NEWER
    )
    assert _kept()["F-1"] == ({"v": 3}, AT + timedelta(minutes=20), 9)


def test_upsert_sets_only_the_columns_named() -> None:
    upsert_rows(ExternalRecord, COLUMNS, [_report("F-1", 0, {"v": 1}, 7)], key=COLUMNS[:3])
    upsert_rows(
        ExternalRecord,
        COLUMNS,
        [_report("F-1", 30, {"v": 2}, 8)],
        key=COLUMNS[:3],
        update=("data",),
    )
    assert _kept() == {"F-1": ({"v": 2}, AT, 7)}


def test_update_rows_changes_each_row_by_its_key_and_nothing_else() -> None:
    upsert_rows(
        ExternalRecord,
        COLUMNS,
        [_report(f"F-{n}", n, {"n": n}) for n in range(3)],
        key=COLUMNS[:3],
    )
    ids = dict(ExternalRecord.objects.values_list("key", "pk"))
    later = AT + timedelta(days=1)
    update_rows(
        ExternalRecord,
        ("data", "occurred_at"),
        [({"n": 10}, later, ids["F-0"]), ({"n": 12}, later, ids["F-2"])],
    )
    kept = _kept()
    assert kept["F-0"][:2] == ({"n": 10}, later)
    assert kept["F-1"][:2] == ({"n": 1}, AT + timedelta(minutes=1))
    assert kept["F-2"][:2] == ({"n": 12}, later)


def test_update_rows_by_another_key_column() -> None:
    upsert_rows(
        ExternalRecord,
        COLUMNS,
        [_report("F-1", 0, {}, 7), _report("F-2", 0, {}, 7), _report("F-3", 0, {}, 8)],
        key=COLUMNS[:3],
    )
    update_rows(ExternalRecord, ("customer_id",), [(70, 7)], key="customer_id")
    assert sorted(ExternalRecord.objects.values_list("customer_id", flat=True)) == [8, 70, 70]


def test_a_refused_row_leaves_nothing_of_the_statement() -> None:
    """A value the column refuses (an event id over its length on PostgreSQL, a null where
    none is allowed on both) fails the whole ``executemany``, and the transaction around it
    keeps nothing of it."""
    bad = ("erp", "invoice", "F-9", None, {}, None, AT, AT)  # event_id is NOT NULL
    with pytest.raises(IntegrityError), transaction.atomic():
        upsert_rows(ExternalRecord, COLUMNS, [_report("F-1", 0, {}), bad], key=COLUMNS[:3])
    assert not ExternalRecord.objects.exists()


def test_no_rows_write_nothing() -> None:
    upsert_rows(ExternalRecord, COLUMNS, [], key=COLUMNS[:3])
    update_rows(ExternalRecord, ("data",), [])
    assert not ExternalRecord.objects.exists()


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["A", "B", "C"]), st.integers(0, 50), st.integers(0, 9)),
        max_size=12,
    )
)
def test_whatever_the_order_the_latest_report_of_each_key_is_kept(reports) -> None:
    """Reports applied one batch at a time, in any order: each key keeps the latest
    (the first among equals at that moment is replaced by a later one of the same moment)."""
    ExternalRecord.objects.all().delete()
    for key, minutes, value in reports:
        upsert_rows(
            ExternalRecord,
            COLUMNS,
            [_report(key, minutes, {"v": value})],
            key=COLUMNS[:3],
            when=NEWER,
        )
    latest: dict[str, tuple[int, int]] = {}
    for key, minutes, value in reports:
        if key not in latest or minutes >= latest[key][0]:
            latest[key] = (minutes, value)
    assert {k: (d["v"], at) for k, (d, at, _c) in _kept().items()} == {
        k: (v, AT + timedelta(minutes=m)) for k, (m, v) in latest.items()
    }
