"""The sales API: capture, import, convert (twice: 409), move (won back: 409) and who may."""

from __future__ import annotations

import pytest
from django.test import Client

from lealtad.sales.models import Lead, Opportunity
from tests.api_fixtures import make_event, post_events
from tests.sales.helpers import known_customer

pytestmark = pytest.mark.django_db


def post(client: Client, url: str, body: object):
    return client.post(url, body, content_type="application/json")


@pytest.fixture
def rep(token_client):
    return token_client("sales_rep", ("sales:work",))


@pytest.fixture
def manager(token_client):
    return token_client("sales_manager", ("sales:manage",))


LEAD = {
    "source": "web_form",
    "external_id": "f-1",
    "person_name": "Carmen Chicaiza",
    "email": "carmen@example.com",
}


def test_a_store_clerk_may_not_touch_sales(token_client, pipeline):
    clerk = token_client("store_clerk", ("customers:read", "customers:write", "sales:work"))
    assert post(clerk, "/api/v1/sales/leads", {"leads": [LEAD]}).status_code == 403
    assert clerk.get("/api/v1/sales/leads").status_code == 403
    assert clerk.get("/api/v1/sales/pipelines").status_code == 403
    assert not Lead.objects.exists()


def test_a_rep_may_not_import_or_make_pipelines(rep, pipeline):
    upload = {"file": _file(b"person_name,email\nAna,ana@example.com\n")}
    assert rep.post("/api/v1/sales/leads/import", upload).status_code == 403
    body = {"code": "x", "name": "X", "stages": [{"name": "a", "probability": 10}] * 3}
    assert post(rep, "/api/v1/sales/pipelines", body).status_code == 403


def test_capture_twice_is_one_lead(rep):
    first = post(rep, "/api/v1/sales/leads", {"leads": [LEAD]})
    again = post(rep, "/api/v1/sales/leads", {"leads": [LEAD]})
    assert first.status_code == 200, first.content
    assert first.json()["leads"][0]["created"] is True
    assert again.json()["leads"][0]["created"] is False
    assert Lead.objects.count() == 1


def test_a_bad_lead_in_a_batch_names_its_row_and_keeps_none(rep):
    bad = {**LEAD, "external_id": "f-2", "phone": "12", "email": None}
    answer = post(rep, "/api/v1/sales/leads", {"leads": [LEAD, bad]})
    assert answer.status_code == 422
    assert answer.json()["field"] == "rows[1].phone"
    assert not Lead.objects.exists()


def test_convert_then_convert_again_is_409(rep, pipeline):
    customer = known_customer(email="carmen@example.com", name="Carmen Chicaiza")
    lead_id = post(rep, "/api/v1/sales/leads", {"leads": [LEAD]}).json()["leads"][0]["id"]
    made = post(rep, f"/api/v1/sales/leads/{lead_id}/convert", {"amount": "850.00"})
    assert made.status_code == 201, made.content
    assert made.json()["customer_id"] == customer
    assert made.json()["stage"]["name"] == "Prospección"
    twice = post(rep, f"/api/v1/sales/leads/{lead_id}/convert", {})
    assert twice.status_code == 409 and twice.json()["code"] == "lead_converted"
    assert Opportunity.objects.count() == 1


def test_a_won_opportunity_moved_back_is_409(rep, pipeline):
    lead_id = post(rep, "/api/v1/sales/leads", {"leads": [LEAD]}).json()["leads"][0]["id"]
    made = post(rep, f"/api/v1/sales/leads/{lead_id}/convert", {}).json()
    stages = {s.name: s.pk for s in pipeline.stages.all()}
    url = f"/api/v1/sales/opportunities/{made['id']}/stage"
    won = post(rep, url, {"stage_id": stages["Ganada"], "reason": "precio"})
    assert won.status_code == 200 and won.json()["won_reason"] == "precio"
    back = post(rep, url, {"stage_id": stages["Propuesta"]})
    assert back.status_code == 409 and back.json()["code"] == "opportunity_closed"
    shown = rep.get(f"/api/v1/sales/opportunities/{made['id']}").json()
    assert [h["to"] for h in shown["history"]] == ["Prospección", "Ganada"]
    board = rep.get("/api/v1/sales/pipelines/ventas/board").json()
    counts = {c["stage"]: c["count"] for c in board["columns"]}
    assert counts["Ganada"] == 1 and counts["Prospección"] == 0


def _file(content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("leads.csv", content, content_type="text/csv")


def test_import_reports_every_bad_row_and_writes_nothing(manager):
    content = (
        "person_name;email;phone;national_id\n"
        "Ana Tipán;ana@example.com;;\n"
        ";sin-nombre@example.com;;\n"
        "Luis Huamán;luis@;0991234567;\n"
    ).encode()
    answer = manager.post("/api/v1/sales/leads/import", {"file": _file(content)})
    assert answer.status_code == 422
    problems = [(p["line"], p["column"]) for p in answer.json()["problems"]]
    assert problems == [(3, "person_name"), (4, "email")]
    assert not Lead.objects.exists()


def test_import_twice_creates_nothing_the_second_time(manager):
    customer = known_customer(email="ana@example.com", name="Ana Tipán")
    content = "person_name,email\nAna Tipán,ana@example.com\nLuis Huamán,luis@example.com\n"
    first = manager.post("/api/v1/sales/leads/import", {"file": _file(content.encode())})
    assert first.status_code == 200, first.content
    assert first.json()["created"] == 2 and first.json()["linked_to_customers"] == 1
    again = manager.post("/api/v1/sales/leads/import", {"file": _file(content.encode())})
    assert again.json()["created"] == 0 and again.json()["already_imported"] == 2
    assert Lead.objects.count() == 2
    assert Lead.objects.get(email="ana@example.com").customer_id == customer


def test_a_file_not_in_utf8_is_refused(manager):
    answer = manager.post("/api/v1/sales/leads/import", {"file": _file("ñandú".encode("latin-1"))})
    assert answer.status_code == 422 and answer.json()["problems"][0]["column"] == "file"


def test_lead_captured_events_through_the_hub_are_idempotent(api):
    customer = known_customer(phone="0993757370", name="Rodrigo Juárez Ortega")
    event = make_event(
        "lead-web-1",
        type="lead.captured",
        channel="web",
        customer={"phone": "099 375 7370", "name": "Rodrigo Juárez"},
        payload={"source": "web_form", "company_name": "Juárez Hnos."},
    )
    first = post_events(api, [event])
    assert first.json()["results"][0]["status"] == "created", first.content
    assert first.json()["results"][0]["customer_id"] == customer
    again = post_events(api, [event])
    assert again.json()["results"][0]["status"] == "duplicate"
    lead = Lead.objects.get()
    assert lead.customer_id == customer and lead.external_id == "lead-web-1"
    assert lead.company_name == "Juárez Hnos."


def test_a_lead_event_the_service_refuses_is_rejected_by_field(api):
    event = make_event(
        "lead-web-2",
        type="lead.captured",
        channel="web",
        customer={"national_id": "1710034065", "name": "Sin Contacto"},
        payload={"source": "event"},
    )
    result = post_events(api, [event]).json()["results"][0]
    assert result["status"] == "rejected"
    assert result["errors"][0]["message"].startswith("email: ")  # in the request's language
    assert not Lead.objects.exists()
