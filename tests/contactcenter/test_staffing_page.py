"""The supervisor's staffing page: the recorded Monday planned, chart data, refusals, access."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from lealtad.contactcenter.models import CenterEvent

from .test_staffing_api import MONDAY, _history

URL = "/contactcenter/staffing/"


@pytest.fixture
def supervisor(center, make_user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(make_user("supervisor"))
    return client


def _chart(page: str, name: str) -> dict:
    found = re.search(rf'<script id="{name}" type="application/json">(.*?)</script>', page, re.S)
    assert found, f"no {name} chart data"
    return json.loads(found.group(1))


def test_the_page_plans_the_recorded_monday_with_a_chart_and_a_table(supervisor):
    _history("billing", weeks=3, per_slot={0: 40, 1: 10}, handle=200)
    page = supervisor.get(URL, {"date": MONDAY.isoformat(), "target": "80", "within": "15"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Plan for 2026-11-02" in html and 'aria-current="page">Staffing' in html
    agents = _chart(html, "staffing-agents")
    assert agents["labels"] == [f"{9 + i // 4:02d}:{15 * (i % 4):02d}" for i in range(8)]
    (billing,) = [d for d in agents["datasets"] if d["label"] == "billing"]
    assert len(set(billing["data"])) == 1 and billing["data"][0] > 0  # a flat 40 per slot
    calls = _chart(html, "staffing-calls")
    assert [d["data"] for d in calls["datasets"] if d["label"] == "billing"] == [[40.0] * 8]
    assert "general: general, premier" in html  # one skill, one pool, its queues named
    table = html[html.index('id="staffing-table"') :]
    assert table.count("<tr>") == 8 + 1  # the header and the eight busy quarter hours
    assert "6 days of history, 400 handled contacts" in html  # the last week: (40 + 10) x 8


def test_erlang_a_and_shrinkage_change_the_plan(supervisor):
    _history("billing", weeks=1, per_slot={0: 40})
    plain = supervisor.get(URL, {"date": MONDAY.isoformat(), "shrinkage": "0"}).content.decode()
    patient = supervisor.get(
        URL, {"date": MONDAY.isoformat(), "shrinkage": "0", "patience": "60"}
    ).content.decode()
    assert "Erlang C" in plain and "Erlang A" in patient
    c = _chart(plain, "staffing-agents")["datasets"][0]["data"][0]
    a = _chart(patient, "staffing-agents")["datasets"][0]["data"][0]
    assert a < c  # impatient callers leave: fewer agents reach the same share of offered


def test_a_day_without_history_needs_nobody(supervisor):
    html = supervisor.get(URL).content.decode()
    assert 'id="staffing-empty"' in html and "staffing-agents" not in html


def test_a_refused_plan_says_why_and_writes_nothing(supervisor):
    before = CenterEvent.objects.count()
    page = supervisor.get(URL, {"target": "150"})
    assert page.status_code == 422
    assert 'id="staffing-refusal"' in page.content.decode()
    assert "service_level" in page.content.decode()
    assert CenterEvent.objects.count() == before


def test_agents_may_not_see_the_staffing_page(center, make_user):
    agent = Client(HTTP_ACCEPT_LANGUAGE="en")
    agent.force_login(make_user("agent"))
    assert agent.get(URL).status_code == 403
    assert Client(HTTP_ACCEPT_LANGUAGE="en").get(URL).status_code == 302  # to the sign-in page
