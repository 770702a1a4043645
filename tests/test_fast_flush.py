"""After a transactional test every table is empty again (tests/fast_flush.py empties only
the ones it filled, on PostgreSQL): the second test here sees nothing of the first."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.api_fixtures import make_event, post_events
from tests.fast_flush import KEPT


@pytest.mark.django_db(transaction=True)
def test_a_test_fills_several_tables(api):
    event = make_event("flush-1")
    assert post_events(api, [event]).json()["results"][0]["status"] == "created"
    assert _filled_tables()


@pytest.mark.django_db(transaction=True)
def test_the_next_one_finds_every_table_empty():
    assert _filled_tables() == []


def _filled_tables() -> list[str]:
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    filled = []
    with connection.cursor() as cursor:
        for table in sorted(set(tables) - KEPT):
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {connection.ops.quote_name(table)})")
            if cursor.fetchone()[0]:
                filled.append(table)
    return filled
