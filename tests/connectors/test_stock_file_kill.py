"""``lealtad connectors run`` killed with SIGKILL in the middle of a stock file, then run again:
every level ends right, each exactly once in the ``stock.levels_changed`` messages, and the file
is done. Runs on the database the suite runs on (a fresh SQLite file, or a fresh database on the
PostgreSQL server named by ``LEALTAD_DATABASE_URL``)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.connectors.conftest import EXAMPLES

pytestmark = [pytest.mark.slow, pytest.mark.database]

LEALTAD = [sys.executable, "-m", "lealtad.cli"]
ROWS = 40_000
CODES = ("01", "02", "03", "09")
LOCATIONS = ("quito-norte", "quito-sur", "guayaquil-centro", "cd-pifo")
SEED = """
from decimal import Decimal
import django
django.setup()
from lealtad.commerce.models import Location, Product, Variant
for code in {locations!r}:
    Location.objects.create(code=code, name=code, kind="warehouse")
product = Product.objects.create(code="P-1", name_es="Producto")
Variant.objects.bulk_create(
    [Variant(product=product, sku=f"SKU-{{n:05d}}", price=Decimal(1)) for n in range({skus})],
    batch_size=2000,
)
"""


@pytest.fixture
def env(tmp_path: Path) -> Iterator[dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEALTAD_")}
    env.update(
        LEALTAD_HOME=str(tmp_path),
        LEALTAD_ADMIN_PASSWORD="kill-test-pw",
        DJANGO_SETTINGS_MODULE="lealtad.settings",
        INVENTORY_URL="https://inventory.example.com/reservas",
        INVENTORY_SECRET="s3cret-for-tests-0123456789",
    )
    url = os.environ.get("LEALTAD_DATABASE_URL")
    dbname = admin_url = ""
    if url:
        import psycopg

        dbname = f"lealtad_stock_kill_{uuid.uuid4().hex[:8]}"
        admin_url = url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {dbname}")
        env["LEALTAD_DATABASE_URL"] = url.rsplit("/", 1)[0] + f"/{dbname}"
    subprocess.run([*LEALTAD, "init"], env=env, check=True, capture_output=True)
    seed = SEED.format(locations=LOCATIONS, skus=ROWS // len(CODES))
    subprocess.run([sys.executable, "-c", seed], env=env, check=True, capture_output=True)
    yield env
    if dbname:
        import psycopg

        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)")


def _query(env: dict[str, str], sql: str) -> list[tuple[Any, ...]]:
    url = env.get("LEALTAD_DATABASE_URL")
    if url:
        import psycopg

        with psycopg.connect(url) as conn:
            return list(conn.execute(sql).fetchall())
    with sqlite3.connect(Path(env["LEALTAD_HOME"]) / "lealtad.sqlite3", timeout=30) as conn:
        return list(conn.execute(sql).fetchall())


def _install(env: dict[str, str]) -> Path:
    """The inventory connector in batches of 500, and a file of ROWS levels in its folder."""
    home = Path(env["LEALTAD_HOME"])
    (home / "connectors").mkdir(exist_ok=True)
    text = (EXAMPLES / "inventory.yaml").read_text().replace("batch: 10000", "batch: 500")
    (home / "connectors" / "inventory.yaml").write_text(text)
    folder = home / "connector-data" / "inventory" / "inbox" / "existencias"
    folder.mkdir(parents=True)
    lines = ["ITEM,BODEGA,CANT,RESERV,FECHA_HORA"] + [
        f"SKU-{n // 4:05d},{CODES[n % 4]},{n % 97},0,20261124060000" for n in range(ROWS)
    ]
    (folder / "existencias.csv").write_text("\n".join(lines) + "\n")
    return folder


def _records_done(env: dict[str, str]) -> int:
    rows = _query(env, "SELECT records_done FROM channels_fileprogress")
    return int(rows[0][0]) if rows else 0


def test_a_killed_run_resumes_and_every_level_is_set_and_announced_once(env):
    folder = _install(env)
    run = [*LEALTAD, "connectors", "run", "inventory", "--no-progress"]
    proc = subprocess.Popen(
        run, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    deadline = time.monotonic() + 120
    while _records_done(env) < 2_000 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    killed_at = _records_done(env)
    assert 2_000 <= killed_at < ROWS, f"the run was not killed mid-file ({killed_at})"
    assert (folder / "existencias.csv").exists()

    again = subprocess.run(run, env=env, capture_output=True, text=True, check=True)
    assert f"resumed after record {killed_at}" in again.stdout

    assert _query(env, "SELECT records_done, status FROM channels_fileprogress") == [(ROWS, "done")]
    got = _query(
        env,
        "SELECT v.sku, l.code, s.on_hand FROM commerce_stock s "
        "JOIN commerce_variant v ON v.id = s.variant_id "
        "JOIN commerce_location l ON l.id = s.location_id",
    )
    expected = {(f"SKU-{n // 4:05d}", LOCATIONS[n % 4]): n % 97 for n in range(ROWS)}
    assert {(sku, code): on_hand for sku, code, on_hand in got} == expected
    announced = [
        (level["sku"], level["location"])
        for (payload,) in _query(
            env, "SELECT payload FROM core_outboxmessage WHERE event_type = 'stock.levels_changed'"
        )
        for level in (payload if isinstance(payload, dict) else json.loads(payload))["levels"]
    ]
    assert sorted(announced) == sorted(expected)  # every level once: none lost, none twice
    assert (folder / "done" / "existencias.csv").exists()
