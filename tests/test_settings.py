"""Settings that keep data safe: durable SQLite, a secret key kept across restarts."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.db import connection


@pytest.mark.django_db
def test_sqlite_is_durable_and_queues_writers():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with connection.cursor() as cursor:
        assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert cursor.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert cursor.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    assert connection.transaction_mode == "IMMEDIATE"


def test_generated_secret_key_is_kept(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEALTAD_")}
    env.update(LEALTAD_HOME=str(tmp_path), DJANGO_SETTINGS_MODULE="lealtad.settings")
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    first, second = (
        subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True
        ).stdout.strip()
        for _ in range(2)
    )
    assert len(first) >= 40 and first == second
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
