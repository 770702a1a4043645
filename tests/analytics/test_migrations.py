"""The tier migration matrix read from the tier history at once agrees, for any history,
with asking customer by customer which tier they held on each day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lealtad.analytics.models import RefreshRun, TierChange
from lealtad.analytics.selectors.value import TIERS, migration_matrix, monthly_migrations

pytestmark = pytest.mark.django_db
DAY0 = date(2026, 1, 1)
changes = st.lists(
    st.tuples(st.integers(1, 6), st.integers(0, 120), st.sampled_from(TIERS)), max_size=40
)


def naive(history: list[tuple[int, int, str]], start: date, end: date) -> list[list[int]]:
    rows = ["", *TIERS]
    out = [[0] * len(TIERS) for _ in rows]
    for customer in {c for c, _, _ in history}:
        now = _latest(history, customer, end)
        if now:
            out[rows.index(_latest(history, customer, start))][TIERS.index(now)] += 1
    return out


def _latest(history: list[tuple[int, int, str]], customer: int, day: date) -> str:
    best: tuple[int, int] | None = None
    tier = ""
    for position, (who, offset, code) in enumerate(history):
        on_time = who == customer and DAY0 + timedelta(offset) <= day
        if on_time and (best is None or (offset, position) >= best):
            best, tier = (offset, position), code
    return tier


@settings(max_examples=25, deadline=None)
@given(history=changes, first=st.integers(0, 120), length=st.integers(0, 60))
def test_the_matrix_agrees_with_asking_each_customer(history, first, length) -> None:
    TierChange.objects.all().delete()
    RefreshRun.objects.all().delete()
    run = RefreshRun.objects.create(trigger="cli", started_at=datetime.now(UTC), as_of=DAY0)
    TierChange.objects.bulk_create(
        TierChange(customer_id=c, from_tier="", to_tier=t, changed_on=DAY0 + timedelta(o), run=run)
        for c, o, t in history
    )
    start = DAY0 + timedelta(first)
    end = start + timedelta(length)
    found = migration_matrix(start, end)
    assert found["counts"] == naive(history, start, end)


def test_a_year_of_months_oldest_first() -> None:
    months = monthly_migrations(12, date(2026, 12, 5))
    assert [m["end"] for m in months][-1] == date(2026, 12, 5)
    assert months[0]["start"] == date(2025, 12, 31) and len(months) == 12
