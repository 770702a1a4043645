"""The cases API: an agent opens, answers and resolves; supervisors reassign; errors name
their field and write nothing."""

from __future__ import annotations

import pytest

from lealtad.service.models import BusinessCalendar, Case, CaseEntry, SlaPolicy, SupportGroup

pytestmark = pytest.mark.django_db
CASES = "/api/v1/service/cases"
J = "application/json"


@pytest.fixture
def agent(token_client):
    return token_client("agent", scopes=("service:handle",))


@pytest.fixture
def supervisor(token_client):
    return token_client("supervisor", scopes=("service:supervise",))


@pytest.fixture(autouse=True)
def desk(db):
    SupportGroup.objects.create(name="nivel1", label="Nivel 1", level=1)
    SupportGroup.objects.create(name="expertos", label="Expertos", level=2)
    always = BusinessCalendar.objects.create(
        name="24x7", label="24x7", time_zone="UTC", always_open=True
    )
    SlaPolicy.objects.create(
        name="estandar",
        label="Estándar",
        calendar=always,
        first_response_minutes=60,
        resolution_minutes=480,
    )


def _open(client, **more):
    body = {"subject": "Factura duplicada", "category": "billing_inquiry", "customer_id": 5}
    return client.post(CASES, {**body, **more}, content_type=J)


def test_an_agent_opens_answers_and_resolves_a_case(agent):
    opened = _open(agent)
    assert opened.status_code == 201, opened.content
    case = opened.json()
    assert case["number"].startswith("CASO-") and case["sla_policy"] == "estandar"
    assert case["first_response_due"] is not None
    url = f"{CASES}/{case['id']}"
    agent.post(f"{url}/note", {"body": "Revisar cobro"}, content_type=J)
    answered = agent.post(f"{url}/reply", {"body": "Ya lo anulamos"}, content_type=J)
    assert answered.json()["status"] == "open" and answered.json()["first_response_due"] is None
    shown = agent.get(url).json()
    assert [line["kind"] for line in shown["thread"] if line["kind"] != "sla"] == [
        "opened",
        "note",
        "reply",
    ]
    assert [t["target"] for t in shown["sla"]["targets"]] == ["first_response", "resolution"]
    assert shown["sla"]["targets"][1]["remaining"] > 0
    done = agent.post(f"{url}/resolve", {"note": "Anulado"}, content_type=J)
    assert done.json()["status"] == "resolved"
    again = agent.post(f"{url}/resolve", {}, content_type=J)
    assert again.status_code == 409
    listed = agent.get(CASES).json()
    assert case["id"] not in [c["id"] for c in listed]


def test_bad_input_is_named_and_writes_nothing(agent):
    assert _open(agent, category="nada").status_code == 422
    assert _open(agent, priority=9).status_code == 422
    assert Case.objects.count() == 0
    assert agent.get(f"{CASES}/999").status_code == 404
    case = _open(agent).json()
    empty = agent.post(f"{CASES}/{case['id']}/reply", {"body": "  "}, content_type=J)
    assert empty.status_code == 422
    assert not CaseEntry.objects.filter(kind="reply").exists()


def test_only_a_supervisor_reassigns(agent, supervisor):
    case = _open(agent).json()
    url = f"{CASES}/{case['id']}/assign"
    refused = agent.post(url, {"group": "expertos"}, content_type=J)
    assert refused.status_code == 403
    moved = supervisor.post(url, {"group": "expertos"}, content_type=J)
    assert moved.json()["group"] == "expertos"
    unknown = supervisor.post(url, {"group": "nadie"}, content_type=J)
    assert unknown.status_code == 404


def test_the_list_filters_by_status_and_category(agent):
    first = _open(agent).json()
    _open(agent, category="complaint", subject="Mal trato").json()
    agent.post(
        f"{CASES}/{first['id']}/status",
        {"status": "pending_customer"},
        content_type=J,
    )
    waiting = agent.get(CASES, {"status": "pending_customer"}).json()
    assert [c["id"] for c in waiting] == [first["id"]]
    complaints = agent.get(CASES, {"category": "complaint"}).json()
    assert [c["subject"] for c in complaints] == ["Mal trato"]
