"""The forecast page and the dashboard as a manager reads them: weighted and category figures
per month, seller and team, quota coverage, slipped deals, the backtest, the KPI charts."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from lealtad.sales.models import Opportunity, Stage
from lealtad.sales.selectors_board import BoardFilters
from lealtad.sales.selectors_forecast import forecast, next_month

from .screens_data import PASSWORD, open_deals, quota, seller, team

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(client):
    boss = seller("rosa.gerente", role="sales_manager")
    assert client.login(username=boss.username, password=PASSWORD)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_weighted_and_categories_per_month_and_seller(pipeline) -> None:
    rep = seller("lucia.ventas")
    today = timezone.localdate()
    first = today.replace(day=1)
    deals = open_deals(
        pipeline,
        [
            {"name": "A", "amount": "1000", "close": first, "owner": rep, "stage": "Propuesta"},
            {"name": "B", "amount": "400", "close": first, "owner": rep, "stage": "Negociación"},
            {"name": "C", "amount": "300", "close": next_month(first), "owner": rep},
            {"name": "D", "amount": "999", "close": first, "owner": rep, "stage": "Ganada"},
        ],
    )
    Opportunity.objects.filter(pk=deals[1].pk).update(forecast_category="commit")
    view = forecast(BoardFilters(), first, 2)
    month = view.result.by_month[first]
    assert month.count == 2  # the won deal is not open
    assert month.weighted == Decimal("800.00")  # 1000 x 50% + 400 x 75%
    assert (month.commit, month.best_case, month.pipeline) == (
        Decimal("400.00"),
        Decimal("400.00"),
        Decimal("1400.00"),
    )
    assert view.result.by_rep[(rep.pk, first)].count == 2
    assert view.result.by_month[next_month(first)].weighted == Decimal("30.00")
    assert view.result.total.count == 3


def test_forecast_page_shows_coverage_slipped_and_teams(manager, pipeline) -> None:
    rep = seller("lucia.ventas")
    squad = team("costa", rep)
    today = timezone.localdate()
    first = today.replace(day=1)
    quota(rep, first, "2000")
    open_deals(
        pipeline,
        [
            {
                "name": "Open",
                "amount": "1000",
                "close": next_month(first) - timedelta(days=1),
                "owner": rep,
                "team": squad,
                "stage": "Propuesta",
            },
            {
                "name": "Late deal",
                "amount": "700",
                "close": today - timedelta(days=40),
                "owner": rep,
            },
            {"name": "Won", "amount": "500", "close": today, "owner": rep, "stage": "Ganada"},
        ],
    )
    body = manager.get("/sales/forecast/").content.decode()
    coverage = body.split('id="coverage"')[1].split("</section>")[0]
    assert "lucia.ventas" in coverage and "2,000.00" in coverage and "500.00" in coverage
    assert "50 %" in coverage  # (500 won + 1000 x 50%) / 2000
    slipped = body.split('id="slipped"')[1].split("</section>")[0]
    assert "1 open deal is past its close date (700.00)." in slipped
    assert "Late deal" in slipped and ">40<" in slipped
    assert "Costa" in body.split('id="teams"')[1]


def test_no_quota_says_so(manager, pipeline) -> None:
    body = manager.get("/sales/forecast/").content.decode()
    assert "No seller has a quota for this month." in body


def test_backtest_compares_the_forecast_with_what_closed(manager, pipeline) -> None:
    rep = seller("lucia.ventas")
    body = manager.get("/sales/forecast/accuracy/").content.decode()
    assert "No whole month of history to compare yet." in body
    last_month = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)
    [deal] = open_deals(
        pipeline,
        [{"name": "Old", "amount": "1000", "close": last_month + timedelta(days=5), "owner": rep}],
    )
    created = timezone.now() - timedelta(days=70)
    Opportunity.objects.filter(pk=deal.pk).update(created_at=created)
    deal.stage_changes.update(at=created)
    body = manager.get("/sales/forecast/accuracy/").content.decode()
    assert f"{last_month:%m/%Y}" in body
    assert "100.00" in body  # 1000 at the first stage's 10%, nothing won: error 100


def test_dashboard_draws_every_chart_with_its_numbers(manager, pipeline) -> None:
    rep = seller("lucia.ventas")
    today = timezone.localdate()
    open_deals(
        pipeline,
        [
            {"name": "W", "amount": "100", "close": today, "owner": rep, "stage": "Ganada"},
            {"name": "L", "amount": "100", "close": today, "owner": rep, "stage": "Perdida"},
            {"name": "O", "amount": "250", "close": today, "owner": rep, "stage": "Propuesta"},
        ],
    )
    page = manager.get("/sales/dashboard/")
    body = page.content.decode()
    for key in ("pipeline", "winrate", "cycle", "sources", "forecast"):
        assert f'id="{key}"' in body
    data = json.loads(body.split('id="winrate-data" type="application/json">')[1].split("<")[0])
    assert data["datasets"][0]["data"][-1] == 0.5  # one won of two decided this month
    pipeline_data = body.split('id="pipeline-data" type="application/json">')[1].split("<")[0]
    assert json.loads(pipeline_data)["labels"] == ["Propuesta"]
    assert "analytics/charts.js" in body


def _forecast_panel(client) -> dict:
    body = client.get("/sales/dashboard/").content.decode()
    return json.loads(body.split('id="forecast-data" type="application/json">')[1].split("<")[0])


def test_dashboard_forecast_is_kept_until_a_deal_changes(manager, pipeline, monkeypatch) -> None:
    from django.core.cache import cache

    from lealtad.sales import selectors_dashboard

    cache.clear()
    rebuilt = []
    real = selectors_dashboard.backtest
    monkeypatch.setattr(selectors_dashboard, "backtest", lambda *a: rebuilt.append(a) or real(*a))
    rep = seller("lucia.ventas")
    last_month = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)
    deals = open_deals(
        pipeline,
        [
            {"name": n, "amount": "1000", "close": last_month + timedelta(days=5), "owner": rep}
            for n in ("Old", "Older")
        ],
    )
    created = timezone.now() - timedelta(days=70)
    for deal in deals:
        Opportunity.objects.filter(pk=deal.pk).update(created_at=created)
        deal.stage_changes.update(at=created)
    label = f"{last_month:%m/%Y}"
    first = _forecast_panel(manager)
    assert first["labels"][-1] == label and first["datasets"][0]["data"][-1] == 200.0
    assert _forecast_panel(manager) == first and len(rebuilt) == 1  # kept
    # An edit as the services make it (they set updated_at) is seen on the next request.
    Opportunity.objects.filter(pk=deals[0].pk).update(
        amount=Decimal("3000"), updated_at=timezone.now()
    )
    assert _forecast_panel(manager)["datasets"][0]["data"][-1] == 400.0
    # So is a deal removed.
    Opportunity.objects.filter(pk=deals[1].pk).delete()
    assert _forecast_panel(manager)["datasets"][0]["data"][-1] == 300.0
    # And a stage's probability changed in the pipeline's settings.
    Stage.objects.filter(pipeline=pipeline, name="Prospección").update(probability=20)
    assert _forecast_panel(manager)["datasets"][0]["data"][-1] == 600.0
    assert len(rebuilt) == 4
