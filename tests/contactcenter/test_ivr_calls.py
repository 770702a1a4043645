"""Calls walking the example IVR flows over the API, as a PBX drives them, with the customer
record and orders answering self-service and the end of the flow landing in the ACD."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import formats

from lealtad.commerce import demo
from lealtad.commerce.schemas import LineIn, OrderIn, PaymentIn
from lealtad.commerce.services import SaleContext
from lealtad.commerce.services import orders as order_services
from lealtad.contactcenter.models import Contact, IvrSession
from lealtad.contactcenter.services import ivr

from .conftest import ACTOR

pytestmark = pytest.mark.django_db
BASE = "/api/v1/contactcenter/ivr"
RODRIGO_PHONE = "+593991234567"  # seed 000's customer (commerce.demo)
RODRIGO_CEDULA = "1710034065"


@pytest.fixture
def pbx(token_client: Any) -> Any:
    return token_client("api_client", ("telephony:write",))


@pytest.fixture
def flows(center: dict[str, Any]) -> list[Any]:
    return ivr.seed_examples(ACTOR, create_queues=True)


@pytest.fixture
def rodrigo(db: None) -> Any:
    """Seed 000's customer with an order placed and not yet shipped (nothing captured)."""
    demo.seed_catalog()
    story = demo.seed_customer()
    order, _ = order_services.place_order(
        OrderIn(
            customer_id=story.customer_id,
            channel="web",
            lines=[LineIn(sku=demo.SHIRT_M, quantity=1)],
            fulfilment="ship",
            ship_address_kind="home",
            payment=PaymentIn(on_file=True),
        ),
        SaleContext(ACTOR, "web"),
    )
    return story, order


def start(pbx: Any, flow: str, call_id: str, caller_id: str = "", **more: Any) -> dict[str, Any]:
    body = {"flow": flow, "call_id": call_id, "caller_id": caller_id, "source": "pbx1", **more}
    answer = pbx.post(f"{BASE}/sessions", body, content_type="application/json")
    assert answer.status_code == 201, answer.content
    return answer.json()


def press(pbx: Any, session: dict[str, Any], digits: str, status: int = 200, **more: Any) -> Any:
    answer = pbx.post(
        f"{BASE}/sessions/{session['session_id']}/input",
        {"digits": digits, **more},
        content_type="application/json",
    )
    assert answer.status_code == status, answer.content
    return answer.json()


def test_a_known_caller_with_an_open_order_hears_their_bill(pbx, flows, rodrigo):
    story, order = rodrigo
    first = start(pbx, "telecom", "call-1", RODRIGO_PHONE)
    assert first["customer_id"] == story.customer_id
    assert first["step"]["text"].startswith(
        "Hola Rodrigo Juárez Ortega, su pedido está en camino. Para conocer su factura"
    )
    assert first["step"]["expect"]["kind"] == "menu"
    step = press(pbx, first, "1")["step"]
    amount = formats.number_format(order.total, 2, use_l10n=True, force_grouping=True)
    due = formats.date_format(order.placed_at + timedelta(days=30), "j F Y")
    assert Decimal(order.total) > 0
    assert step["text"].startswith(f"Su factura es de {amount} USD y vence el {due}.")
    ended = press(pbx, first, "9")
    assert ended["status"] == "ended" and ended["step"]["action"]["type"] == "hangup"
    assert Contact.objects.count() == 0  # it never reached the ACD


def test_fraud_reaches_the_fraud_queue_with_the_ivr_data_on_the_contact(pbx, flows, rodrigo):
    story, _ = rodrigo
    first = start(pbx, "bank", "call-2", RODRIGO_PHONE)
    answer = press(pbx, first, "2")
    assert answer["status"] == "queued"
    action = answer["step"]["action"]
    assert (action["type"], action["queue"], action["priority"]) == ("queue", "fraud", 9)
    contact = Contact.objects.get(pk=answer["contact_id"])
    assert answer["step"]["contact_id"] == contact.pk
    assert (contact.queue.name, contact.medium, contact.status) == (
        "fraud",
        "voice",
        "queued",
    )
    assert contact.customer_id == story.customer_id
    assert (contact.source, contact.external_ref) == ("pbx1", "call-2")
    assert contact.ivr_data["path"] == ["main_menu=2", "fraud"]
    assert contact.ivr_data["priority"] == 9 and contact.ivr_data["flow"] == "bank"
    assert contact.ivr_data["ivr_session"] == first["session_id"]


def test_an_unknown_caller_identified_by_cedula_reaches_support_linked(pbx, flows, rodrigo):
    story, _ = rodrigo
    first = start(pbx, "telecom", "call-3", "+593987650000")
    assert first["customer_id"] is None and first["step"]["node"] == "main_menu"
    assert press(pbx, first, "2")["step"]["node"] == "ask_cedula"
    bad = press(pbx, first, "1710034066#")["step"]
    assert bad["text"].startswith("Ese número de cédula no es válido.")
    step = press(pbx, first, RODRIGO_CEDULA + "#")
    assert step["customer_id"] == story.customer_id
    print("TEXT:", step["step"]["text"])
    assert (
        step["step"]["text"].startswith(
            "Estado de su cuenta: Cliente. Pedidos en curso: 1. Su último pedido está: Realizado."
        )
        or "Pedidos en curso: 1." in step["step"]["text"]
    )
    press(pbx, first, "1")  # back to the main menu
    answer = press(pbx, first, "4")
    contact = Contact.objects.get(pk=answer["contact_id"])
    assert contact.queue.name == "general" and contact.customer_id == story.customer_id
    assert contact.ivr_data["variables"]["cedula"] == RODRIGO_CEDULA
    assert contact.caller_id == "+593987650000"


def test_a_voicemail_becomes_a_call_back_keeping_the_callers_place(pbx, flows):
    first = start(pbx, "bank", "call-4", "+593987650001")
    assert first["step"]["node"] == "choose_language"
    english = press(pbx, first, "2")["step"]
    assert english["language"] == "en" and english["text"].startswith("For your balance")
    answer = press(pbx, first, "3")
    assert answer["status"] == "voicemail"
    action = answer["step"]["action"]
    assert (action["type"], action["callback_to"], action["max_seconds"]) == (
        "voicemail",
        "+593987650001",
        120,
    )
    contact = Contact.objects.get(pk=answer["contact_id"])
    session = IvrSession.objects.get(pk=first["session_id"])
    assert (contact.medium, contact.queue.name) == ("voicemail", "general")
    assert contact.place_at == session.started_at < contact.arrived_at
    assert contact.external_ref == "call-4:voicemail"
    assert contact.ivr_data["language"] == "en"


def test_a_shared_landline_is_no_known_customer_and_the_agent_gets_the_short_list(
    pbx, flows, make_customer
):
    one = make_customer(phone="022456789", given="Lucía")
    two = make_customer(phone="022456789", given="Jorge")
    first = start(pbx, "bank", "call-5", "022456789")
    assert first["customer_id"] is None
    assert first["step"]["node"] == "choose_language"  # not greeted as either
    press(pbx, first, "1")
    answer = press(pbx, first, "0")
    contact = Contact.objects.get(pk=answer["contact_id"])
    assert contact.customer_id is None
    assert sorted(contact.candidates) == sorted([one.pk, two.pk])


def test_the_pbx_may_retry_any_request_safely(pbx, flows):
    first = start(pbx, "bank", "call-6", "+593987650002")
    again = start(pbx, "bank", "call-6", "+593987650002")
    assert again["session_id"] == first["session_id"] and again["step"] == first["step"]
    step1 = press(pbx, first, "1", seq=1)
    assert press(pbx, first, "1", seq=1) == step1  # a retried request: same step, one input
    assert step1["inputs"] == 1 and step1["step"]["node"] == "main_menu"
    refused = press(pbx, first, "1", status=409, seq=3)
    assert refused["field"] == "seq" and "the next is 2" in refused["detail"]
    press(pbx, first, "2", seq=2)  # fraud: the call leaves the IVR
    late = press(pbx, first, "1", status=409, seq=3)
    assert "left the IVR" in late["detail"]
    assert Contact.objects.filter(external_ref="call-6").count() == 1


def test_silence_goes_through_the_flows_retries(pbx, flows):
    first = start(pbx, "telecom", "call-7", "+593987650003")
    url = f"{BASE}/sessions/{first['session_id']}/timeout"
    texts = []
    for _ in range(3):
        answer = pbx.post(url, {}, content_type="application/json")
        assert answer.status_code == 200
        texts.append(answer.json()["step"]["text"])
    assert texts[0].startswith("No escuchamos ninguna opción. Para conocer su factura")
    assert answer.json()["status"] == "queued"  # on_fail: support
    assert answer.json()["step"]["action"]["queue"] == "general"


def test_refusals_name_what_is_wrong(pbx, flows, token_client):
    missing = pbx.post(
        f"{BASE}/sessions", {"flow": "nope", "call_id": "x"}, content_type="application/json"
    )
    assert missing.status_code == 404 and missing.json()["field"] == "flow"
    first = start(pbx, "bank", "call-8")
    bad = press(pbx, first, "12a", status=422)
    assert "digits" in str(bad)
    gone = pbx.post(
        f"{BASE}/sessions/00000000-0000-0000-0000-000000000000/input",
        {"digits": "1"},
        content_type="application/json",
    )
    assert gone.status_code == 404
    agent = token_client("agent", ("contactcenter:handle",))
    assert (
        agent.post(
            f"{BASE}/sessions", {"flow": "bank", "call_id": "y"}, content_type="application/json"
        ).status_code
        == 403
    )
    assert pbx.get(f"{BASE}/flows").status_code == 403


def test_a_caller_hanging_up_in_the_ivr_ends_the_session_where_it_was(pbx, flows):
    first = start(pbx, "bank", "call-9")
    press(pbx, first, "1")
    url = f"{BASE}/sessions/{first['session_id']}/hangup"
    ended = pbx.post(url)
    assert ended.status_code == 200 and ended.json()["status"] == "ended"
    assert pbx.post(url).json()["status"] == "ended"  # a repeat changes nothing
    session = IvrSession.objects.get(pk=first["session_id"])
    assert session.state["hung_up_at"] == "main_menu" and session.ended_at is not None
    assert "left the IVR" in press(pbx, first, "1", status=409)["detail"]
    assert Contact.objects.count() == 0
