"""The ``lealtad`` command: idempotent init, tokens that work, JSON-lines ingestion."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import User
from django.test import Client
from typer.testing import CliRunner

from lealtad.cli import app
from lealtad.customers.models import Interaction
from tests.api_fixtures import make_event

pytestmark = pytest.mark.django_db(transaction=True)
runner = CliRunner()


def test_init_is_idempotent_and_keeps_the_password(monkeypatch):
    monkeypatch.setenv("LEALTAD_ADMIN_PASSWORD", "first-Pass-1")
    first = runner.invoke(app, ["init"])
    assert first.exit_code == 0 and "first-Pass-1" in first.output
    monkeypatch.delenv("LEALTAD_ADMIN_PASSWORD")
    second = runner.invoke(app, ["init"])
    assert second.exit_code == 0 and "already exists" in second.output
    assert User.objects.get(username="admin").check_password("first-Pass-1")
    assert User.objects.get(username="admin").groups.filter(name="admin").exists()


def test_token_create_prints_a_working_token_last(monkeypatch):
    monkeypatch.setenv("LEALTAD_ADMIN_PASSWORD", "x-Pass-2")
    runner.invoke(app, ["init"])
    result = runner.invoke(app, ["token", "create", "--user", "admin", "--scope", "customers:read"])
    assert result.exit_code == 0
    key = result.output.strip().splitlines()[-1]
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get("/api/v1/customers?q=x").status_code == 200
    assert (
        client.post("/api/v1/events", data=[], content_type="application/json").status_code == 403
    )


def test_token_create_refuses_unknown_scope_and_user(monkeypatch):
    runner.invoke(app, ["init"])
    assert runner.invoke(app, ["token", "create", "--user", "nobody"]).exit_code == 2
    bad = runner.invoke(app, ["token", "create", "--user", "admin", "--scope", "root:all"])
    assert bad.exit_code == 1 and "root:all" in bad.output  # a refusal (core/cli_errors.py)


def test_events_ingest_reports_bad_lines_and_keeps_good_ones(tmp_path):
    lines = [
        json.dumps(make_event("f-1")),
        "{not json",
        json.dumps(make_event("f-2", customer={"email": "nope@"})),
        json.dumps(make_event("f-1")),
    ]
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["events", "ingest", str(path)])
    assert result.exit_code == 1
    assert "created 1, duplicate 1, rejected 2" in result.output
    assert "line 2: not JSON" in result.output and "line 3: customer.email" in result.output
    assert Interaction.objects.filter(event_id="f-1").count() == 1


def test_revoked_token_stops_working(monkeypatch):
    runner.invoke(app, ["init"])
    made = runner.invoke(app, ["token", "create", "--user", "admin", "--name", "pos-quito"])
    key = made.output.strip().splitlines()[-1]
    listing = runner.invoke(app, ["token", "list"])
    assert "pos-quito" in listing.output and key not in listing.output
    token_id = listing.output.split("\t", 1)[0]
    assert runner.invoke(app, ["token", "revoke", token_id]).exit_code == 0
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get("/api/v1/customers?q=x").status_code == 401
