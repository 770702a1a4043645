"""Callers walking the example flows (examples/ivr/*.yaml) the way a PBX drives them."""

from __future__ import annotations

import json

import pytest

from lealtad.contact_engine.ivr import (
    Hangup,
    RouteToQueue,
    Session,
    SessionError,
    Voicemail,
)
from tests.contact_engine.ivr_support import (
    BANK_BOOK,
    CARD,
    CEDULA,
    TELECOM_BOOK,
    BookHost,
    example,
)

KNOWN = {
    "caller_id": "+593991234567",
    "known_customer": True,
    "customer_name": "Ana",
    "language": "es",
}


def test_a_premier_customer_is_greeted_by_name_and_goes_to_the_premier_queue():
    session, step = Session.start(example("bank"), {**KNOWN, "tier": "premier"})
    assert step.text.startswith("Bienvenido, Ana. Le atiende su banca preferente.")
    assert step.expect is not None and step.expect.keys == ("1", "2", "3", "0")
    step = session.input("0")
    assert step.action == RouteToQueue("premier", step.action.data, priority=5)
    assert step.action.data["path"] == ["main_menu=0", "premier_queue"]


def test_an_unknown_caller_chooses_english_and_hears_english_from_then_on():
    session, step = Session.start(example("bank"), {"caller_id": "+593987654321"})
    assert step.node == "choose_language"
    step = session.input("2")
    assert step.language == "en"
    assert step.text.startswith("For your balance, press 1.")
    step = session.input("0")
    assert step.text == "An adviser will be with you shortly."
    assert isinstance(step.action, RouteToQueue) and step.action.queue == "general"
    assert step.action.data["language"] == "en"


def test_balance_self_service_renders_the_hosts_answer():
    host = BookHost(BANK_BOOK)
    session, _ = Session.start(example("bank"), {**KNOWN, "tier": "silver"}, host)
    step = session.input("1")
    assert step.expect is not None and step.expect.kind == "digits"
    assert (step.expect.min_digits, step.expect.max_digits) == (16, 16)
    assert step.expect.terminator == "#"
    step = session.input(CARD + "#")
    assert host.asked == [("account_status", {"account_number": CARD, "language": "es"})]
    assert step.text.startswith(
        "Su saldo pendiente es 1.234,50 USD. Estado de su cuenta: Activo. Para repetir"
    )
    said = next(p for p in step.prompts if p.id == "bank.say_balance")
    assert said.dynamic
    assert next(p for p in step.prompts if p.id == "bank.after_balance").dynamic is False
    step = session.input("1")  # hear it again
    assert step.text.startswith("Su saldo pendiente es 1.234,50 USD.")
    step = session.input("0")
    assert isinstance(step.action, RouteToQueue)
    assert step.action.data["variables"]["account_number"] == CARD
    assert step.action.data["variables"]["balance"] == "1.234,50 USD"


def test_a_mistyped_account_is_refused_at_once_and_three_misses_reach_an_adviser():
    session, _ = Session.start(example("bank"), {**KNOWN, "tier": "silver"}, BookHost(BANK_BOOK))
    session.input("1")
    step = session.input("4111111111111112#")  # Luhn fails
    assert step.text.startswith("Ese número de cuenta no es válido. Marque su número")
    assert step.node == "ask_account"
    step = session.input("41111111#")  # too short
    assert step.node == "ask_account"
    step = session.timeout()
    assert isinstance(step.action, RouteToQueue) and step.action.queue == "general"
    assert "ask_account!no_input" in step.action.data["path"]
    assert "account_number" not in step.action.data["variables"]


def test_an_unknown_account_asks_again_and_a_system_down_goes_to_an_adviser():
    session, _ = Session.start(example("bank"), {**KNOWN, "tier": "silver"}, BookHost({}))
    session.input("1")
    step = session.input(CARD)  # the terminator is optional when all digits are in
    assert step.text.startswith("No encontramos esa cuenta. Marque su número de cuenta")
    session, _ = Session.start(example("bank"), {**KNOWN}, BookHost(BANK_BOOK, down=True))
    session.input("1")
    step = session.input(CARD + "#")
    assert step.text.startswith("En este momento no podemos consultar su cuenta.")
    assert isinstance(step.action, RouteToQueue)
    assert session.lookups_failed == ["account_status: billing system offline"]


def test_fraud_jumps_to_the_fraud_desk_with_the_top_priority():
    session, _ = Session.start(example("bank"), KNOWN)
    step = session.input("2")
    assert step.action == RouteToQueue("fraud", step.action.data, priority=9)
    assert step.terminal


def test_voicemail_asks_for_a_call_back_to_the_caller_id():
    session, _ = Session.start(example("bank"), KNOWN)
    step = session.input("3")
    assert step.action == Voicemail("general", step.action.data, "+593991234567", 120, 1)
    assert "sin perder su lugar" in step.text


def test_a_silent_caller_hears_no_input_then_goes_to_an_adviser():
    session, step = Session.start(example("bank"), KNOWN)
    first = step.text
    step = session.timeout()
    assert step.text == "No recibimos su respuesta. " + first.removeprefix("Bienvenido, Ana. ")
    step = session.input("7")
    assert step.text.startswith("Opción no válida. Para consultar su saldo")
    step = session.input("")  # the PBX sends nothing: the same as a timeout
    assert isinstance(step.action, RouteToQueue) and step.action.queue == "general"


def test_after_the_last_step_the_session_refuses_more_input():
    session, _ = Session.start(example("bank"), KNOWN)
    session.input("2")
    with pytest.raises(SessionError, match="ended"):
        session.input("1")
    with pytest.raises(SessionError):
        session.timeout()


def test_telecom_billing_for_an_unknown_caller_by_cedula():
    host = BookHost(TELECOM_BOOK)
    session, step = Session.start(example("telecom"), {"caller_id": "+593900000000"}, host)
    assert step.node == "main_menu"
    step = session.input("1")
    assert step.node == "ask_cedula" and step.expect is not None
    step = session.input("1710034066")  # wrong check digit
    assert step.text.startswith("Ese número de cédula no es válido.")
    step = session.input(CEDULA + "#")
    assert step.text.startswith("Su factura es de $ 32,40 y vence el 15 de marzo.")
    assert host.asked[-1] == (
        "billing_summary",
        {"cedula": CEDULA, "caller_id": "+593900000000", "language": "es"},
    )
    step = session.input("9")
    assert step.action == Hangup("completed")
    assert step.text == "Gracias por llamar a Lealtad Móvil."  # the flow's own goodbye prompt


def test_telecom_account_status_for_a_known_caller_in_english_with_an_open_order():
    host = BookHost(TELECOM_BOOK)
    facts = {**KNOWN, "language": "en", "open_order": True}
    session, step = Session.start(example("telecom"), facts, host)
    assert step.text.startswith("Hello Ana, your order is on its way. For your bill, press 1.")
    step = session.input("2")
    assert step.text.startswith(
        "Your account is Inactive. Orders on the way: 0. Your last order is: Delivered. For the"
    )
    step = session.input("1")
    assert step.node == "main_menu"


def test_telecom_switches_language_mid_call():
    session, _ = Session.start(example("telecom"), KNOWN)
    step = session.input("8")
    assert step.text == "Para continuar en inglés, marque 1."
    step = session.input("1")
    assert step.language == "en" and step.text.startswith("For your bill, press 1.")
    step = session.input("8")
    step = session.input("1")
    assert step.language == "es"


def test_telecom_stolen_phone_after_hours_and_failures():
    session, _ = Session.start(example("telecom"), {**KNOWN, "tier": "premier"})
    step = session.input("3")
    assert isinstance(step.action, RouteToQueue)
    assert (step.action.queue, step.action.priority) == ("fraud", 9)

    session, step = Session.start(example("telecom"), {**KNOWN, "after_hours": True})
    assert isinstance(step.action, Voicemail) and step.action.callback_to == "+593991234567"
    assert step.text.startswith("Nuestros asesores atienden de 8 a 20 horas. Deje su nombre")

    session, _ = Session.start(
        example("telecom"), {**KNOWN, "tier": "premier"}, BookHost(TELECOM_BOOK, down=True)
    )
    step = session.input("1")
    assert isinstance(step.action, RouteToQueue)
    assert (step.action.queue, step.action.priority) == ("premier", 5)
    assert step.action.data["variables"] == {"want": "billing"}

    session, _ = Session.start(example("telecom"), {"caller_id": "+593900000000"}, BookHost({}))
    session.input("2")
    step = session.input(CEDULA)
    assert step.text.startswith("No encontramos una cuenta con esos datos.")
    assert isinstance(step.action, RouteToQueue) and step.action.queue == "general"


@pytest.mark.parametrize(
    ("flow", "facts", "keys"),
    [
        ("bank", {**KNOWN, "tier": "gold"}, ["1", "123#", CARD + "#", "1", "2", "3"]),
        ("bank", {"caller_id": "+1"}, ["5", "1", "1", CARD, "9"]),
        ("telecom", {"caller_id": "+593900000000"}, ["1", CEDULA, "1", "2", CEDULA, "9"]),
    ],
)
def test_a_session_kept_as_json_between_requests_behaves_as_one_kept_in_memory(flow, facts, keys):
    """The host stores the session between HTTP requests; picking it up again (even in
    another process) must give the same steps as never letting it go."""
    flow_ = example(flow)
    book = BANK_BOOK if flow == "bank" else TELECOM_BOOK
    live, first = Session.start(flow_, facts, BookHost(book))
    stored_step = first
    stored = json.dumps(live.to_dict())
    for key in keys:
        expected = live.input(key)
        revived = Session.from_dict(flow_, json.loads(stored), BookHost(book))
        assert revived.step == stored_step
        stored_step = revived.input(key)
        assert stored_step == expected
        assert stored_step.to_dict() == expected.to_dict()
        stored = json.dumps(revived.to_dict())
        if expected.terminal:
            break
    assert Session.from_dict(flow_, json.loads(stored)).to_dict() == live.to_dict()


def test_a_stored_session_of_another_flow_or_version_is_refused():
    bank, telecom = example("bank"), example("telecom")
    session, _ = Session.start(bank, KNOWN)
    stored = session.to_dict()
    with pytest.raises(SessionError, match="belongs to bank version 1"):
        Session.from_dict(telecom, stored)
    with pytest.raises(SessionError, match="node 'gone'"):
        Session.from_dict(bank, {**stored, "node": "gone"})
    with pytest.raises(SessionError, match="does not wait for input"):
        Session.from_dict(bank, {**stored, "node": "say_balance"})
    with pytest.raises(SessionError, match="facts"):
        Session.from_dict(bank, {k: v for k, v in stored.items() if k != "facts"})
