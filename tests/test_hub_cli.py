"""``lealtad hub status``, ``lealtad hub relay-redis``, and the relay inside ``lealtad serve``."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import redis
from django.db import transaction
from typer.testing import CliRunner

from lealtad.cli import app
from lealtad.core import hub
from lealtad.core.models import OutboxMessage
from lealtad.core.streams.status import relay_status
from tests.api_fixtures import make_event
from tests.test_stream_relay_kill import STREAM, _env

runner = CliRunner()


def _announce(count: int) -> None:
    with transaction.atomic():
        hub.publish_many(
            [hub.Announcement("test.happened", {"n": i}, f"c-{i}") for i in range(count)]
        )


@pytest.mark.django_db
def test_relay_redis_refuses_to_run_without_a_url(settings):
    settings.LEALTAD_REDIS_URL = ""
    result = runner.invoke(app, ["hub", "relay-redis", "--once"])
    assert result.exit_code == 2
    assert "LEALTAD_REDIS_URL is not set" in result.output
    status = runner.invoke(app, ["hub", "status"])
    assert status.exit_code == 0 and "redis relay: off" in status.output


@pytest.mark.django_db
def test_status_shows_the_lag_and_relay_redis_once_clears_it(settings, redis_url):
    settings.LEALTAD_REDIS_URL, settings.LEALTAD_REDIS_STREAM = redis_url, STREAM
    _announce(7)
    before = runner.invoke(app, ["hub", "status"])
    assert before.exit_code == 0, before.output
    assert "dispatcher: 7 messages waiting" in before.output
    assert "lag 7" in before.output and "redis stream: 0 entries" in before.output
    # On PostgreSQL the ids earlier tests rolled back are a gap below the first row: --once
    # waits it out (a grace, then the transactions running then) within one run.
    once = runner.invoke(app, ["hub", "relay-redis", "--once"])
    assert once.exit_code == 0, once.output
    assert "published 7 messages" in once.output and "0 waiting" in once.output
    assert relay_status().lag == 0
    after = runner.invoke(app, ["hub", "status"])
    assert "lag 0" in after.output and "redis stream: 7 entries" in after.output


@pytest.mark.django_db
def test_relay_redis_once_reports_a_redis_that_is_down(settings, redis_process):
    settings.LEALTAD_REDIS_URL = redis_process().url  # nothing listens there
    settings.LEALTAD_REDIS_STREAM = STREAM
    _announce(2)
    result = runner.invoke(app, ["hub", "relay-redis", "--once"])
    assert result.exit_code == 1
    assert "relay failed after 0 messages" in result.output
    status = runner.invoke(app, ["hub", "status"])
    assert "lag 2" in status.output and "unreachable" in status.output
    assert "redis relay failing since" in status.output


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_lealtad_serve_relays_what_it_ingests(tmp_path: Path, redis_url: str) -> None:
    from django.contrib.auth.models import Group, User

    from lealtad.core import tokens

    user = User.objects.create_user("relay-admin", password="x-Secret-9")
    user.groups.add(Group.objects.get_or_create(name="admin")[0])
    key = tokens.create_token(user, "relay", ["events:write"])
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "lealtad.cli", "serve", "--port", str(port)],
        env=_env(tmp_path, redis_url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        url = f"http://127.0.0.1:{port}/api/v1/events"
        deadline = time.monotonic() + 60
        while True:
            try:
                answer = httpx.post(
                    url,
                    json=[make_event("serve-1"), make_event("serve-2")],
                    headers={"Authorization": f"Bearer {key}"},
                    timeout=10,
                )
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "lealtad serve did not start"
                time.sleep(0.2)
        assert answer.status_code == 200, answer.text
        while client.xlen(STREAM) < OutboxMessage.objects.count():
            assert time.monotonic() < deadline, "the dispatcher's relay published nothing"
            time.sleep(0.1)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(20)
    published = {fields["event_id"] for _, fields in client.xrange(STREAM)}
    assert {"serve-1", "serve-2"} <= published


@pytest.mark.django_db
def test_the_hub_status_api_shows_the_relay_lag_to_hub_admins_only(
    settings, redis_url, token_client
):
    settings.LEALTAD_REDIS_URL, settings.LEALTAD_REDIS_STREAM = redis_url, STREAM
    _announce(3)
    admin = token_client("admin", ("hub:admin",))
    body = admin.get("/api/v1/hub/status").json()
    assert body["dispatcher"]["pending"] == 3
    assert body["redis_relay"]["lag"] == 3 and body["redis_relay"]["stream"] == STREAM
    assert token_client("agent", ("customers:read",)).get("/api/v1/hub/status").status_code == 403
    settings.LEALTAD_REDIS_URL = ""
    assert admin.get("/api/v1/hub/status").json()["redis_relay"] is None
