"""The quotes API: a rep drafts and sends, a manager approves past the limit, refusals are
409/422 naming the line, the PDF is served, acceptance places the order once."""

from __future__ import annotations

from typing import Any

import pytest

from lealtad.commerce import demo
from lealtad.commerce.models import Order
from tests.service.mail_fixtures import smtp_sink_fixture  # noqa: F401

pytestmark = pytest.mark.django_db
JSON = "application/json"


@pytest.fixture
def story(db: Any) -> demo.Story:
    demo.seed_catalog()
    return demo.seed_customer()


@pytest.fixture
def rep(token_client):
    return token_client("sales_rep", ("sales:work", "commerce:sell"))


@pytest.fixture
def manager(token_client):
    return token_client("sales_manager", ("sales:manage",))


def _draft(story: demo.Story, **more: Any) -> dict[str, Any]:
    return {
        "country": "EC",
        "customer_id": story.customer_id,
        "lines": [
            {"sku": demo.SHIRT_M, "quantity": 2, "group": "Camisas"},
            {"sku": demo.TROUSERS_34, "quantity": 1, "group": "Pantalones"},
        ],
        **more,
    }


def test_draft_approve_send_and_accept(story, rep, manager, smtp_sink) -> None:
    made = rep.post("/api/v1/sales/quotes", _draft(story, discount_percent="25"), content_type=JSON)
    assert made.status_code == 201, made.content
    quote = made.json()
    number = quote["number"]
    assert [g["name"] for g in quote["groups"]] == ["Camisas", "Pantalones"]
    assert quote["tax"] == {"name": "IVA", "rate": "0.1500"}
    assert rep.post(f"/api/v1/sales/quotes/{number}/submit").json()["status"] == "pending_approval"
    send = {"to": "compras@cliente.ec"}
    refused = rep.post(f"/api/v1/sales/quotes/{number}/send", send, content_type=JSON)
    assert refused.status_code == 409 and refused.json()["code"] == "quote_not_sendable"
    by_rep = rep.post(
        f"/api/v1/sales/quotes/{number}/decision", {"approve": True}, content_type=JSON
    )
    assert by_rep.status_code == 403
    approved = manager.post(
        f"/api/v1/sales/quotes/{number}/decision", {"approve": True}, content_type=JSON
    )
    assert approved.json()["status"] == "approved"
    assert (
        rep.post(f"/api/v1/sales/quotes/{number}/send", send, content_type=JSON).json()["status"]
        == "sent"
    )
    pdf = rep.get(f"/api/v1/sales/quotes/{number}/pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    edit = rep.put(f"/api/v1/sales/quotes/{number}", _draft(story), content_type=JSON)
    assert edit.status_code == 409 and edit.json()["code"] == "quote_not_draft"
    terms = {"fulfilment": "ship", "ship_address_kind": "home", "payment": {"on_file": True}}
    accepted = rep.post(f"/api/v1/sales/quotes/{number}/accept", terms, content_type=JSON)
    assert accepted.status_code == 200, accepted.content
    order = Order.objects.get(number=accepted.json()["order_number"])
    assert str(order.total) == quote["total"]
    again = rep.post(f"/api/v1/sales/quotes/{number}/accept", terms, content_type=JSON)
    assert again.status_code == 409 and again.json()["code"] == "quote_already_accepted"


def test_a_line_for_an_unknown_product_is_refused_by_name(story, rep) -> None:
    body = _draft(story)
    body["lines"].append({"sku": "DESCONTINUADO-1", "quantity": 1})
    refused = rep.post("/api/v1/sales/quotes", body, content_type=JSON)
    assert refused.status_code == 404
    assert refused.json()["field"] == "lines[2].sku"
    assert "DESCONTINUADO-1" in refused.json()["detail"]


def test_revisions_keep_the_old_version(story, rep, smtp_sink) -> None:
    number = rep.post("/api/v1/sales/quotes", _draft(story), content_type=JSON).json()["number"]
    rep.post(f"/api/v1/sales/quotes/{number}/submit")
    rep.post(f"/api/v1/sales/quotes/{number}/send", {"to": "a@cliente.ec"}, content_type=JSON)
    revised = rep.post(f"/api/v1/sales/quotes/{number}/revise")
    assert (revised.status_code, revised.json()["version"]) == (201, 2)
    first = rep.get(f"/api/v1/sales/quotes/{number}?version=1").json()
    assert (first["status"], first["versions"]) == ("sent", [2, 1])
