"""The metrics' faces: the JSON and CSV API (supervisors only; a bad day is 422 naming its
field), the ``lealtad service metrics`` command, and the supervisors' reports page."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from typer.testing import CliRunner

from lealtad.service.cli import app
from tests.service import metrics_history as history

pytestmark = pytest.mark.django_db
groups, desk, week = history.groups, history.desk, history.week
PERIOD = {"from": history.WEEK[0], "to": history.WEEK[1]}


@pytest.fixture
def supervisor(token_client):
    return token_client("supervisor", scopes=("service:supervise",))


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_the_metrics_as_json_for_a_period_and_a_group(week, supervisor):
    found = supervisor.get("/api/v1/service/metrics", PERIOD)
    assert found.status_code == 200, found.content
    body = found.json()
    assert body["fcr"][0]["resolved"] == 6 and body["fcr"][0]["rate"] == 33.3
    assert body["sla"]["rows"][0]["breached"] == 1
    assert body["resolution"][0]["median_hours"] == 3.0
    assert body["cost"]["by_group"][0]["total"] in ("170.00", 170.0)
    assert len(body["backlog"]["daily"]) == 7
    experts = supervisor.get("/api/v1/service/metrics", {**PERIOD, "group": "expertos"}).json()
    assert experts["fcr"][0]["resolved"] == 1 and experts["filters"]["group"] == "expertos"


def test_every_report_as_csv_with_its_header(week, supervisor):
    for name in ("fcr", "backlog", "daily", "sla", "resolution", "cost-per-case"):
        got = supervisor.get(f"/api/v1/service/reports/{name}.csv", PERIOD)
        assert got.status_code == 200, (name, got.content)
        assert got["Content-Type"].startswith("text/csv")
        assert f"service-{name}-2025-03-01-2025-03-08.csv" in got["Content-Disposition"]
    rows = _rows(supervisor.get("/api/v1/service/reports/cost-per-customer.csv", PERIOD).text)
    assert rows[0] == ["customer_id", "cases", "handling", "field", "total"]
    assert rows[1] == ["2", "1", "5.00", "100.00", "105.00"]
    fcr = _rows(supervisor.get("/api/v1/service/reports/fcr.csv", PERIOD).text)
    assert fcr[1][:4] == ["*", "6", "2", "33.3"]
    surveys = _rows(supervisor.get("/api/v1/service/reports/survey-root-causes.csv").text)
    assert surveys == [
        ["category", "subtype", "product_sku", "answered", "unhappy", "csat_avg", "nps"]
    ]


def test_bad_input_is_named(week, supervisor, token_client):
    bad = supervisor.get("/api/v1/service/metrics", {"from": "2025-02-30"})
    assert bad.status_code == 422 and bad.json()["field"] == "from"
    backwards = supervisor.get(
        "/api/v1/service/reports/sla.csv", {"from": "2025-03-08", "to": "2025-03-01"}
    )
    assert backwards.status_code == 422 and backwards.json()["field"] == "to"
    unknown = supervisor.get("/api/v1/service/reports/nada.csv", PERIOD)
    assert unknown.status_code == 404 and unknown.json()["field"] == "name"
    agent = token_client("agent", scopes=("service:handle",))
    assert agent.get("/api/v1/service/metrics").status_code == 403


def test_a_formula_in_a_cell_is_not_run_by_a_spreadsheet(week, supervisor):
    from lealtad.service.models import Case

    Case.objects.filter(pk=week.cases["A"].pk).update(channel="=HYPERLINK(1)")
    rows = _rows(supervisor.get("/api/v1/service/reports/cost-per-case.csv", PERIOD).text)
    assert "'=HYPERLINK(1)" in [r[4] for r in rows]


def test_the_command_prints_tables_and_writes_a_report(week, tmp_path):
    runner = CliRunner()
    shown = runner.invoke(app, ["metrics", "--from", PERIOD["from"], "--to", PERIOD["to"]])
    assert shown.exit_code == 0, shown.output
    assert "fcr" in shown.output and "33.3" in shown.output and "170.00" in shown.output
    out = tmp_path / "sla.csv"
    wrote = runner.invoke(
        app,
        [
            "metrics",
            "--from",
            PERIOD["from"],
            "--to",
            PERIOD["to"],
            "--csv",
            "sla",
            "--out",
            str(out),
        ],
    )
    assert wrote.exit_code == 0, wrote.output
    assert _rows(out.read_text())[1][:3] == ["all", "*", "6"]
    bad = runner.invoke(app, ["metrics", "--from", "ayer"])
    assert bad.exit_code != 0 and "from" in bad.output
    assert runner.invoke(app, ["metrics", "charge"]).output.strip() == "0 charged"


def test_the_reports_page_for_supervisors(week, make_user):
    boss = Client(HTTP_ACCEPT_LANGUAGE="en")
    boss.force_login(make_user("supervisor", "jefa"))
    page = boss.get("/service/reports/", PERIOD)
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="fcr"' in text and "33.3" in text and 'id="daily"' in text
    assert "/service/reports/cost-per-customer.csv?from=2025-03-01&amp;to=2025-03-08" in text
    assert "reports-link" in boss.get("/service/desk/").content.decode()
    got = boss.get("/service/reports/fcr.csv", PERIOD)
    assert got.status_code == 200 and _rows(got.content.decode())[1][1] == "6"
    refused = boss.get("/service/reports/", {"from": "2025-99-01"}).content.decode()
    assert "from" in refused and 'id="fcr"' in refused  # named, and the last 30 days shown
    agent = Client(HTTP_ACCEPT_LANGUAGE="en")
    agent.force_login(make_user("agent", "ana2"))
    assert agent.get("/service/reports/").status_code == 403
