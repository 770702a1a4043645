"""The knowledge base's API: agents search and suggest, supervisors edit, errors name fields."""

from __future__ import annotations

import pytest

from lealtad.core.audit import Actor
from lealtad.service import demo_knowledge
from lealtad.service.models import Article, CaseEntry, SupportGroup
from lealtad.service.services import cases
from lealtad.service.services.cases import NewCase

pytestmark = pytest.mark.django_db
KB = "/api/v1/service/kb"


@pytest.fixture
def agent(token_client):
    return token_client("agent", scopes=("service:handle",))


@pytest.fixture
def supervisor(token_client):
    return token_client("supervisor", scopes=("service:supervise",))


@pytest.fixture
def demo(db):
    SupportGroup.objects.create(name="nivel1", label="Nivel 1", level=1)
    demo_knowledge.load()
    demo_knowledge.load_trees()


def test_an_agent_searches_and_gets_suggestions_for_a_case(agent, demo):
    found = agent.get(f"{KB}/search", {"q": "facturacion"}).json()
    assert found[0]["key"] in {"ciclo-facturacion", "factura-no-llega", "factura-detalle"}
    assert "facturación" in found[0]["highlights"] or "factura" in found[0]["highlights"]
    case = cases.open_case(
        NewCase(
            subject="Sin internet",
            category="post_sale",
            subtype="service_problem",
            description="El modem tiene la luz LOS roja",
            customer_id=3,
        ),
        Actor.system("t"),
    )
    got = agent.post(f"{KB}/suggest", {"case_id": case.pk}, content_type="application/json")
    assert got.status_code == 200
    assert got.json()[0]["key"] == "internet-caido"
    assert "modem" in got.json()[0]["matched"]
    missing = agent.post(f"{KB}/suggest", {"case_id": 999999}, content_type="application/json")
    assert missing.status_code == 404 and missing.json()["field"] == "case_id"


def test_only_a_supervisor_edits_and_a_bad_article_is_refused_naming_the_field(
    agent, supervisor, demo
):
    body = {
        "category": "billing_inquiry",
        "status": "published",
        "versions": [{"language": "es", "title": "Pago con QR", "body": "<p>Pague con Yape.</p>"}],
    }
    assert (
        agent.put(f"{KB}/articles/pago-qr", body, content_type="application/json").status_code
        == 403
    )
    saved = supervisor.put(f"{KB}/articles/pago-qr", body, content_type="application/json")
    assert saved.status_code == 200 and saved.json()["title"] == "Pago con QR"
    assert agent.get(f"{KB}/search", {"q": "yape"}).json()[0]["key"] == "pago-qr"
    bad = {**body, "subtype": "cancellation"}
    refused = supervisor.put(f"{KB}/articles/otro", bad, content_type="application/json")
    assert refused.status_code == 422 and refused.json()["field"] == "subtype"
    assert not Article.objects.filter(key="otro").exists()
    assert supervisor.delete(f"{KB}/articles/pago-qr").status_code == 204
    assert agent.get(f"{KB}/articles/pago-qr").status_code == 404


def test_feedback_counts_and_the_unhelpful_list(agent, supervisor, demo):
    url = f"{KB}/articles/internet-lento/feedback"
    got = agent.post(
        url, {"helpful": False, "comment": "No sirve"}, content_type="application/json"
    )
    assert got.status_code == 201 and got.json()["unhelpful"] == 1
    listed = supervisor.get(f"{KB}/unhelpful").json()
    assert listed[0]["key"] == "internet-lento" and listed[0]["comments"] == ["No sirve"]
    assert agent.get(f"{KB}/unhelpful").status_code == 403


def test_a_walk_through_the_api_ends_on_the_case(agent, demo):
    case = cases.open_case(
        NewCase(subject="Sin internet", category="post_sale", customer_id=3), Actor.system("t")
    )
    step = agent.post(
        f"{KB}/walks", {"tree": "sin-internet", "case_id": case.pk}, content_type="application/json"
    ).json()
    assert step["answers"][0] == "LOS en rojo"
    done = agent.post(
        f"{KB}/walks/{step['walk_id']}/answer", {"answer": 0}, content_type="application/json"
    ).json()
    assert done["finished"] and done["article"] == "internet-caido"
    again = agent.post(
        f"{KB}/walks/{step['walk_id']}/answer", {"answer": 0}, content_type="application/json"
    )
    assert again.status_code == 409
    assert CaseEntry.objects.filter(case=case, kind="note").count() == 1
    script = agent.get(f"{KB}/scripts/retencion-cancelacion", {"language": "en"}).json()
    assert script["title"].startswith("Retention")


def test_a_supervisor_writes_a_script_and_suggestions_follow_typing(agent, supervisor, demo):
    body = {"title": "Mudanza", "steps": [{"say": "¿A qué dirección se muda?"}]}
    url = f"{KB}/scripts/traslado/es"
    assert agent.put(url, body, content_type="application/json").status_code == 403
    assert supervisor.put(url, body, content_type="application/json").status_code == 200
    assert agent.get(f"{KB}/scripts/traslado").json()["steps"][0]["say"].startswith("¿A qué")
    empty = supervisor.put(url, {"title": "x", "steps": []}, content_type="application/json")
    assert empty.status_code == 422
    typed = agent.post(
        f"{KB}/suggest",
        {"text": "se me perdio el celular, quiero bloq", "typing": True},
        content_type="application/json",
    ).json()
    assert typed[0]["key"] == "robo-perdida"
