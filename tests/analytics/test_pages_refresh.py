"""The dashboard's refresh panel: 'Refresh now' for managers, the progress htmx polls while a
run goes, one run at a time, and what the panel says when a run ends."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import connections

from lealtad.analytics.models import RefreshRun
from lealtad.analytics.services import runs
from lealtad.core.audit import Actor
from tests.analytics.test_pages_scorecard import signed_in


@pytest.mark.django_db
def test_the_panel_polls_while_a_run_goes_and_stops_when_it_ends() -> None:
    client = signed_in("marketer")
    assert "Aún no se ha hecho ninguna actualización" in client.get("/analytics/").content.decode()
    run = runs.begin(RefreshRun.Trigger.MANUAL, Actor.system("test"))
    runs.Tracker(run)("assess", 40, 100)
    fragment = client.get("/analytics/refresh/progress/").content.decode()
    assert 'hx-trigger="every 2s"' in fragment and 'value="40"' in fragment
    assert 'max="100"' in fragment and 'id="refresh-now"' not in fragment
    run.customers = 1234
    runs.finish(run)
    fragment = client.get("/analytics/refresh/progress/").content.decode()
    assert "hx-trigger" not in fragment and 'id="refresh-done"' in fragment
    assert "1234" in fragment
    assert 'id="refresh-now"' not in fragment  # a marketer may not start one


@pytest.mark.django_db
def test_only_managers_start_a_refresh_and_only_one_at_a_time() -> None:
    assert signed_in("marketer").post("/analytics/refresh/").status_code == 403
    assert not RefreshRun.objects.exists()
    runs.begin(RefreshRun.Trigger.SCHEDULE, Actor.system("nightly"))
    answer = signed_in("manager").post("/analytics/refresh/", follow=True)
    shown = [str(m) for m in answer.context["messages"]]
    assert shown == ["Ya hay una actualización en curso; espere a que termine."]
    assert RefreshRun.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_refresh_now_runs_in_the_background_and_the_panel_reports_it(monkeypatch: Any) -> None:
    # The run's thread keeps its connection (CONN_MAX_AGE) when it ends; PostgreSQL then
    # cannot drop the test database. A connection closed at once lets the thread let go.
    monkeypatch.setitem(connections.settings["default"], "CONN_MAX_AGE", 0)
    client = signed_in("manager")
    answer = client.post("/analytics/refresh/", follow=True)
    assert [str(m) for m in answer.context["messages"]] == ["Actualización iniciada."]
    run = RefreshRun.objects.get(trigger=RefreshRun.Trigger.MANUAL)
    assert run.trigger == "manual" and run.requested_by == "manager"
    deadline = time.monotonic() + 60
    while run.status == RefreshRun.Status.RUNNING and time.monotonic() < deadline:
        time.sleep(0.2)
        run.refresh_from_db()
    assert run.status == RefreshRun.Status.DONE, run.error
    for thread in threading.enumerate():
        if thread.name == "analytics-refresh":
            thread.join(30)
    fragment = client.get("/analytics/refresh/progress/").content.decode()
    assert 'id="refresh-done"' in fragment and 'id="refresh-now"' in fragment
    assert run.warnings and str(run.warnings[0]) in fragment  # an empty base says so
