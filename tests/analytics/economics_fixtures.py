"""Facts for the channel-economics API and page tests, written into the cube's own store
(Parquet snapshots under the test's home) exactly as the export writes them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.contrib.auth.models import Group, User
from django.test import Client

from lealtad.analytics import cube_store
from lealtad.olap.schema import FACT_COLUMNS
from tests.olap.economics_facts import _fill, order

D = dt.date


def write_facts(**tables: Sequence[Mapping[str, Any]]) -> None:
    store = cube_store.store()
    for table, rows in tables.items():
        filled = [_fill(table, r) for r in rows]
        writer = store.snapshot(table)
        writer.write({name: [r[name] for r in filled] for name, _ in FACT_COLUMNS[table]})
        writer.commit()


def shop_facts() -> None:
    """Web and store sales over 2024 and early 2025, two segments, one return elsewhere."""
    write_facts(
        orders=[
            order(1, 1, D(2024, 1, 10), "web", 100, store="S01"),
            order(2, 1, D(2024, 3, 5), "pos", 50, store="S01"),
            order(3, 2, D(2024, 1, 20), "web", 10),
            order(4, 3, D(2024, 2, 5), "pos", 300, store="S02"),
            order(5, 3, D(2024, 4, 5), "pos", 30, store="S02"),
            order(6, 4, D(2025, 2, 1), "web", 20, store="S01"),
            order(7, 4, D(2025, 2, 2), "web", 99, status="cancelled"),
        ],
        customers=[
            {"customer_id": 1, "segment": "high"},
            {"customer_id": 2, "segment": "low"},
            {"customer_id": 3, "segment": "high"},
            {"customer_id": 4, "segment": "low"},
        ],
        returns=[
            {"return_id": 1, "order_id": 1, "customer_id": 1, "channel": "pos", "store": "S01"}
        ],
        contacts=[{"contact_id": 1, "customer_id": 1, "channel": "email"}],
    )


def user_in(role: str, name: str | None = None) -> User:
    user = User.objects.create_user(name or role, password="x-correct-horse-9")
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def signed_in(role: str, name: str | None = None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")  # the pages' English texts are asserted
    client.force_login(user_in(role, name))
    return client
