"""Upgrading keeps what existing tokens could do: selling used to need `customers:write`."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("core", "0001_initial")]
AFTER = [("core", "0002_commerce_scopes_for_writers")]


@pytest.fixture(autouse=True)
def _back_to_the_latest_schema():
    """Other tests run on this database after this one: leave every app at its last migration
    (a later core migration, such as the stream relay's table, would otherwise be missing)."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def _migrate(target: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor


@pytest.mark.django_db(transaction=True)
def test_writer_tokens_gain_commerce_scopes_and_others_do_not() -> None:
    user = get_user_model().objects.create_user("integrator", password="x")
    old = _migrate(BEFORE).loader.project_state(BEFORE).apps.get_model("core", "ApiToken")
    writer = old.objects.create(
        user_id=user.pk,
        name="pos",
        prefix="a",
        key_hash="h1",
        scopes=["customers:read", "customers:write", "channel:store"],
    )
    reader = old.objects.create(
        user_id=user.pk, name="bi", prefix="b", key_hash="h2", scopes=["customers:read"]
    )
    already = old.objects.create(
        user_id=user.pk,
        name="web",
        prefix="c",
        key_hash="h3",
        scopes=["customers:write", "commerce:sell"],
    )

    new = _migrate(AFTER).loader.project_state(AFTER).apps.get_model("core", "ApiToken")

    assert new.objects.get(pk=writer.pk).scopes == [
        "customers:read",
        "customers:write",
        "channel:store",
        "commerce:sell",
        "commerce:fulfil",
        "commerce:refund",
    ]
    assert new.objects.get(pk=reader.pk).scopes == ["customers:read"]
    assert new.objects.get(pk=already.pk).scopes == [
        "customers:write",
        "commerce:sell",
        "commerce:fulfil",
        "commerce:refund",
    ]
