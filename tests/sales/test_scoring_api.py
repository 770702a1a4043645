"""Scoring and telesales over HTTP: who may run them, a lead's factors, the monthly report,
a call list from a segment with its refusals named."""

from __future__ import annotations

import pytest
from django.test import Client

from lealtad.contactcenter.services import setup
from lealtad.sales.services import scoring
from tests.sales.test_scoring import history, make_leads
from tests.sales.test_telesales import customer, segment_of

pytestmark = pytest.mark.django_db


def post(client: Client, url: str, body: object):
    return client.post(url, body, content_type="application/json")


@pytest.fixture
def rep(token_client):
    return token_client("sales_rep", ("sales:work",))


@pytest.fixture
def manager(token_client):
    return token_client("sales_manager", ("sales:manage",))


def test_a_rep_reads_scores_and_the_report_but_may_not_run_scoring(rep, pipeline):
    scoring.forget_model()
    history(converted_company=3, lost_bare=1)
    [lead] = make_leads(1, 90_000)
    assert post(rep, "/api/v1/sales/scoring/run", {}).status_code == 403
    answer = rep.get("/api/v1/sales/scoring/report").json()
    assert [m["count"] for m in answer["months"]] == [4]
    assert rep.get("/api/v1/sales/scoring/leads/999999").status_code == 404
    assert rep.get(f"/api/v1/sales/scoring/leads/{lead.pk}").json()["score"] is None


def test_a_manager_scores_the_open_leads(manager, pipeline):
    scoring.forget_model()
    [lead] = make_leads(1, 91_000)
    answer = post(manager, "/api/v1/sales/scoring/run", {"refit": True}).json()
    assert answer == {
        "method": "stage_weight",
        "reason": "too_little_history",
        "history": 0,
        "converted": 0,
        "scored": 1,
    }
    scored = manager.get(f"/api/v1/sales/scoring/leads/{lead.pk}").json()
    assert scored["score"] == 10 and scored["factors"][0]["factor"] == "stage_weight"


def test_a_call_list_from_a_segment_over_http(manager):
    setup.save_skill("general", "General")
    setup.save_queue("ventas", "Ventas", "general")
    sid = segment_of([customer(1), customer(2, consent=False)])
    body = {"name": "dic-1", "queue": "ventas", "segment_id": sid}
    made = post(manager, "/api/v1/sales/telesales/from-segment", body)
    assert made.status_code == 201
    assert made.json()["added"] == 1 and made.json()["skipped"] == {"do_not_call": 1}
    again = post(manager, "/api/v1/sales/telesales/from-segment", body)
    assert again.status_code == 409 and again.json()["field"] == "name"
    missing = post(manager, "/api/v1/sales/telesales/from-segment", {**body, "segment_id": 0})
    assert missing.status_code == 404
    [listed] = manager.get("/api/v1/sales/telesales").json()
    assert listed["name"] == "dic-1" and listed["outcomes"] == {"pending": 1}
