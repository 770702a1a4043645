"""The contact center's answers to IVR questions, read from the customer record."""

from __future__ import annotations

from typing import Any

import pytest

from lealtad.contactcenter.models import Contact
from lealtad.contactcenter.selectors.ivr_host import ContactCenterHost, caller_facts
from lealtad.contactcenter.services import ivr
from lealtad.core.envelope import CustomerRef
from lealtad.customers import services as customer_services
from lealtad.customers.schemas import CustomerProfile

from .conftest import ACTOR

pytestmark = pytest.mark.django_db
ACCOUNT = "4539578763621486"  # passes Luhn


def customer(given: str, **ref: Any) -> Any:
    profile = CustomerProfile(kind="person", given_names=given, first_surname="Guamán")
    ctx = customer_services.ChangeContext(ACTOR, "", "call_center")
    return customer_services.create_customer(
        profile, CustomerRef(name=f"{given} Guamán", **ref), ctx
    )


def test_a_caller_keying_their_account_number_hears_their_balance_and_is_linked(center):
    ivr.seed_examples(ACTOR, create_queues=True)
    lucia = customer("Lucía", phone="0998887766", card=ACCOUNT)
    session, step = ivr.start_session("bank", "acct-1", ACTOR, caller_id="+593987650011")
    assert session.customer_id is None and step["node"] == "choose_language"
    ivr.press(str(session.pk), "1", ACTOR)
    ivr.press(str(session.pk), "1", ACTOR)
    session, step = ivr.press(str(session.pk), ACCOUNT + "#", ACTOR)
    assert step["text"].startswith(
        "Su saldo pendiente es 0,00 USD. Estado de su cuenta: Prospecto. Para repetir"
    )
    assert session.customer_id == lucia.pk
    session, step = ivr.press(str(session.pk), "0", ACTOR)
    assert Contact.objects.get(pk=session.contact_id).customer_id == lucia.pk


def test_an_account_nobody_holds_is_not_found(center):
    ivr.seed_examples(ACTOR, create_queues=True)
    session, _ = ivr.start_session("bank", "acct-2", ACTOR, caller_id="+593987650012")
    ivr.press(str(session.pk), "1", ACTOR)
    ivr.press(str(session.pk), "1", ACTOR)
    _, step = ivr.press(str(session.pk), "4111111111111111#", ACTOR)
    assert step["text"].startswith("No encontramos esa cuenta. Marque su número de cuenta")


def test_caller_facts_for_known_shared_and_withheld_numbers(center):
    ana = customer("Ana", phone="0991112200")
    customer("Jorge", phone="022345678")
    customer("Rosa", phone="022345678")
    known = caller_facts("+593991112200")
    assert known["known_customer"] is True and known["customer_id"] == ana.pk
    assert known["customer_name"] == "Ana Guamán" and known["language"] == "es"
    assert (known["tier"], known["open_order"], known["candidates"]) == ("unknown", False, 1)
    shared = caller_facts("022345678")
    assert shared == {"caller_id": "022345678", "known_customer": False, "candidates": 2}
    for nobody in ("anonymous", "", "+1"):
        assert caller_facts(nobody)["known_customer"] is False


def test_questions_in_english_and_without_orders(center):
    ana = customer("Ana", phone="0991112201")
    host = ContactCenterHost()
    facts = {"customer_id": ana.pk}
    status = host.answer("account_status", {"language": "en"}, facts)
    assert status is not None and status["status"] == "Prospect"
    assert status["balance"] == "0.00 USD" and status["open_orders"] == 0
    assert host.answer("billing_summary", {"language": "es"}, facts) is None  # no invoice
    assert host.answer("order_status", {"language": "es"}, facts) is None
    assert host.answer("account_status", {"cedula": "abc!"}, {}) is None
    with pytest.raises(LookupError):
        host.answer("weather", {}, facts)
