"""Each customer's value through the API, the CLI, the customer 360 and the refresh routes;
the rules an administrator tunes, refused knob by knob."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from typer.testing import CliRunner

from lealtad.analytics.models import AnalyticsSettings, RefreshRun
from lealtad.cli import app
from tests.analytics.test_refresh import TODAY, buy, customer_id, run_refresh, shop
from tests.api_fixtures import post_events

pytestmark = pytest.mark.django_db
FIXTURES = (shop,)


@pytest.fixture
def assessed(api: Client, shop: str) -> int:
    for weeks in (1, 5, 9, 30, 60):
        buy(api, "valor@example.ec", TODAY - timedelta(weeks=weeks))
    run_refresh()
    return customer_id("valor@example.ec")


def test_a_marketer_reads_a_customers_value(token_client: Any, assessed: int) -> None:
    marketer = token_client("marketer", ("analytics:read",))
    found = marketer.get(f"/api/v1/analytics/customers/{assessed}/value").json()
    assert found["tier"] in ("mvc", "mgc", "regular", "below_zero")
    assert found["orders"] == 5 and found["rfm"]["code"] != "000"
    assert found["tier_history"][0]["valid_from"] == TODAY.isoformat()
    assert all("label" in d for d in found["churn_drivers"])
    assert marketer.get("/api/v1/analytics/customers/999999/value").status_code == 404


def test_a_store_clerk_may_not(token_client: Any, assessed: int) -> None:
    clerk = token_client("store_clerk", ("customers:read", "analytics:read"))
    assert clerk.get(f"/api/v1/analytics/customers/{assessed}/value").status_code == 403


def test_the_agents_360_shows_the_value_card(client: Client, make_user: Any, assessed: int):
    client.force_login(make_user("agent"))
    page = client.get(f"/customers/{assessed}/").content.decode()
    assert 'id="value"' in page and "RFM" in page


@pytest.fixture
def manager(token_client: Any) -> Client:
    return token_client("manager", ("analytics:manage",))


def test_tiers_and_migrations_cover_every_tier(manager: Client, assessed: int) -> None:
    api = manager
    tiers = api.get("/api/v1/analytics/tiers").json()["tiers"]
    assert [t["tier"] for t in tiers] == ["mvc", "mgc", "regular", "below_zero", "unknown"]
    assert sum(t["customers"] for t in tiers) == 1
    months = api.get("/api/v1/analytics/tiers/migrations?months=3").json()["months"]
    assert len(months) == 3
    last = months[-1]
    assert sum(map(sum, last["counts"])) == 1 and last["counts"][0] != [0] * 5  # first assessed
    assert api.get("/api/v1/analytics/tiers/migrations?months=0").status_code == 422


def test_a_refresh_is_refused_while_another_runs(manager: Client) -> None:
    running = RefreshRun.objects.create(trigger="cli", started_at=timezone.now(), as_of=TODAY)
    answer = manager.post("/api/v1/analytics/refresh", {}, content_type="application/json")
    assert answer.status_code == 409
    found = manager.get(f"/api/v1/analytics/refresh/runs/{running.pk}").json()
    assert found["status"] == "running"


def test_rules_change_knob_by_knob(manager: Client) -> None:
    api = manager
    ok = api.patch(
        "/api/v1/analytics/rules",
        {"rules": {"tiers": {"mvc_share": 0.1}, "value": {"horizon_months": 24}}},
        content_type="application/json",
    )
    assert ok.status_code == 200, ok.content
    assert ok.json()["rules"]["tiers"]["mvc_share"] == 0.1
    before = AnalyticsSettings.objects.get().rules
    for bad, field in (
        ({"tiers": {"mvc_share": "mucho"}}, "tiers.mvc_share"),
        ({"value": {"horizon_months": 0}}, "value.horizon_months"),
        ({"nope": {"x": 1}}, "nope"),
        ({"costs": {"per_call": 1}}, "costs.per_call"),
    ):
        answer = api.patch(
            "/api/v1/analytics/rules", {"rules": bad}, content_type="application/json"
        )
        assert answer.status_code == 422, (bad, answer.content)
        assert field in answer.content.decode()
    assert AnalyticsSettings.objects.get().rules == before


def test_the_cli_prints_a_customers_value(assessed: int) -> None:
    result = CliRunner().invoke(app, ["analytics", "value", str(assessed)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["customer_id"] == assessed


@pytest.mark.django_db(transaction=True)
def test_a_refresh_started_over_the_api_runs_in_the_background(
    token_client: Any, shop: str
) -> None:
    manager = token_client("manager", ("analytics:manage", "events:write"))
    buy(manager, "fondo@example.ec", TODAY - timedelta(days=20))
    started = manager.post("/api/v1/analytics/refresh", {}, content_type="application/json")
    assert started.status_code == 202, started.content
    run_id = started.json()["id"]
    deadline = time.monotonic() + 60
    found = started.json()
    while found["status"] == "running" and time.monotonic() < deadline:
        time.sleep(0.2)
        found = manager.get(f"/api/v1/analytics/refresh/runs/{run_id}").json()
    assert found["status"] == "done", found
    assert found["customers"] == 1 and found["figures"]["facts"] == "full export"
    assert (
        manager.get(
            f"/api/v1/analytics/customers/{customer_id('fondo@example.ec')}/value"
        ).status_code
        == 200
    )


def test_each_tiers_forecast_is_checked_against_what_happened(
    manager: Client, api: Client, shop: str
) -> None:
    for n in range(12):  # steady buyers: every four weeks for a year and a half
        for weeks in range(2, 78, 4):
            buy(api, f"constante-{n}@example.ec", TODAY - timedelta(weeks=weeks))
    for n in range(6):  # bought twice long ago, never since
        for weeks in (70, 60):
            buy(api, f"ausente-{n}@example.ec", TODAY - timedelta(weeks=weeks))
    run_refresh()  # the facts the check reads
    found = manager.get("/api/v1/analytics/holdout?weeks=26").json()
    purchases = {row["tier"]: row for row in found["purchases"]["tiers"]}
    assert found["purchases"]["actual_total"] == 12 * 6  # weeks 2, 6 … 22 ago
    assert sum(row["customers"] for row in purchases.values()) == 18
    best = purchases["mvc"]
    assert best["actual_mean"] > 5 and best["predicted_mean"] > 3  # steady buyers kept buying
    assert manager.get("/api/v1/analytics/holdout?weeks=2").status_code == 422


def test_erasing_a_person_erases_their_value_usage_and_tier_history(
    api: Client, assessed: int
) -> None:
    from lealtad.analytics.models import TierChange, UsageReading
    from lealtad.core.audit import Actor
    from lealtad.customers.models import CustomerStanding
    from lealtad.privacy import services as privacy

    usage = {
        "id": "billing-erase-1",
        "type": "usage.recorded",
        "channel": "web",
        "occurred_at": "2026-11-30T10:00:00-05:00",
        "customer": {"email": "valor@example.ec"},
        "payload": {"period": "2026-11", "unit": "GB", "plan": "5GB", "allowance": 5, "used": 9},
    }
    assert post_events(api, [usage]).json()["created"] == 1
    assert CustomerStanding.objects.filter(customer_id=assessed).exists()
    privacy.erase_person(assessed, privacy.Officer(Actor.system("privacidad")))
    assert not CustomerStanding.objects.filter(customer_id=assessed).exists()
    assert not UsageReading.objects.filter(customer_id=assessed).exists()
    assert not TierChange.objects.filter(customer_id=assessed).exists()
