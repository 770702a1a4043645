"""Returns at the handheld (issue 17): the order found whatever the case and spacing typed;
quantities default to what can still come back; the refund method chosen and shown; the
return receipt e-mailed (a real SMTP server) when the customer agreed to service messages by
e-mail, else printed."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lealtad.commerce.models import Order, Payment, Return
from lealtad.commerce.schemas import PaymentIn
from lealtad.commerce.selectors.store_documents import normalized_number
from lealtad.commerce.services import receipts
from lealtad.core.models import OutboxMessage
from tests.commerce.store_fixtures import (
    HOME,
    SHIRT_S,
    client_for,
    consent_to_service_mail,
    sale,
    units,
)
from tests.service.mail_fixtures import smtp_sink_fixture  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp(smtp_sink, settings):
    """Mail really sent over SMTP to the sink (tests otherwise keep mail in memory)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    return smtp_sink


def take(client, order: Order, **fields: str):
    line = order.lines.get()
    form = {"order": order.number, "action": "return", "reason": "no le gustó"}
    form.update({f"qty-{line.pk}" if k == "qty" else k: v for k, v in fields.items()})
    return client.post("/store/returns/", form, follow=True)


@pytest.mark.parametrize("typed", ["{n}", "{n_lower}", "  {n_spaced} ", "{n_lower_spaced}"])
def test_the_order_is_found_whatever_the_case_and_spacing(story, typed):
    order = sale(story.customer_id)
    n = order.number
    text = typed.format(
        n=n,
        n_lower=n.lower(),
        n_spaced=f"{n[:4]} {n[4:9]} {n[9:]}",
        n_lower_spaced=f"{n[:6].lower()}  {n[6:]}",
    )
    page = client_for("store_clerk", HOME).get("/store/returns/", {"order": text})
    assert f'id="return-order">{n}' in page.content.decode()


def test_an_unknown_order_says_so(story):
    page = client_for("store_clerk", HOME).get("/store/returns/", {"order": "ord-nope"})
    assert "No such order: ord-nope." in page.content.decode()


@given(st.text(alphabet="abcdefABCDEF0123456789- \t", max_size=30))
@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_a_normalized_number_has_no_spaces_nor_lower_case_letters(text):
    found = normalized_number(text)
    assert not re.search(r"\s|[a-z]", found)
    assert normalized_number(found) == found
    assert found == text.replace(" ", "").replace("\t", "").upper()


def test_quantities_default_to_what_can_still_come_back(story):
    order = sale(story.customer_id, quantity=3)
    clerk = client_for("store_clerk", HOME)
    line = order.lines.get()
    page = clerk.get("/store/returns/", {"order": order.number}).content.decode()
    assert f'name="qty-{line.pk}" type="number" min="0" max="3" value="3"' in page
    take(clerk, order, qty="1")
    page = clerk.get("/store/returns/", {"order": order.number}).content.decode()
    assert 'max="2" value="2"' in page and "2 can come back" in page


def test_a_return_to_the_card_shows_the_method_and_prints_when_there_is_no_consent(story):
    order = sale(story.customer_id)
    done = take(client_for("store_clerk", HOME), order, qty="1").content.decode()
    ret = Return.objects.get()
    assert ret.refund_method == "original" and ret.receipt == "print"
    assert f"{ret.refund_amount} refunded to visa ···1111" in done
    assert "Print the receipt for the customer" in done
    assert "Return receipt" in done and 'id="receipt-method">visa ···1111' in done
    refund = order.payments.get(kind=Payment.Kind.REFUND)
    assert refund.gateway == "test" and refund.amount == ret.refund_amount
    assert units(SHIRT_S, HOME)[0] == 3  # back on the shelf


def test_the_receipt_is_mailed_once_when_the_customer_agreed_to_service_mail(story, smtp):
    consent_to_service_mail(story.customer_id)
    order = sale(story.customer_id)
    done = take(client_for("store_clerk", HOME), order, qty="1").content.decode()
    ret = Return.objects.get()
    assert (ret.receipt, ret.receipt_to) == ("email", "rodrigo.juarez@example.ec")
    assert "Receipt e-mailed to rodrigo.juarez@example.ec" in done
    assert len(smtp.received) == 1
    mail = smtp.received[0]
    assert mail["To"] == "rodrigo.juarez@example.ec" and ret.number in mail["Subject"]
    body = mail.get_content()
    assert "Tienda Quicentro" in body and SHIRT_S in body and "IVA 15 %" in body
    assert str(ret.refund_amount).replace(".", ",") in body  # in the customer's Spanish
    assert receipts.give_return_receipts([ret.number]) == {ret.number: "email"}
    assert len(smtp.received) == 1  # given once


def test_a_withdrawn_consent_or_a_refusing_server_means_a_printed_receipt(story, smtp, settings):
    consent_to_service_mail(story.customer_id, granted=False)
    order = sale(story.customer_id, quantity=2)
    clerk = client_for("store_clerk", HOME)
    take(clerk, order, qty="1")
    assert Return.objects.get().receipt == "print" and smtp.received == []
    consent_to_service_mail(story.customer_id)
    settings.EMAIL_PORT = 1  # nobody listens
    done = take(clerk, order, qty="1").content.decode()
    second = Return.objects.order_by("-id").first()
    assert second is not None and (second.receipt, second.receipt_to) == ("print", "")
    assert "Print the receipt" in done


def test_a_supervisor_refunds_a_card_sale_in_cash_without_the_gateway(story):
    order = sale(story.customer_id)
    supervisor = client_for("supervisor", HOME)
    page = supervisor.get("/store/returns/", {"order": order.number}).content.decode()
    assert 'value="cash"' in page and "Cash at the till" in page
    done = take(supervisor, order, qty="1", refund_method="cash").content.decode()
    ret = Return.objects.get()
    assert ret.refund_method == "cash"
    refund = order.payments.get(kind=Payment.Kind.REFUND)
    assert (refund.gateway, refund.method_label, refund.status) == (
        "external:till",
        "cash",
        "refunded",
    )
    assert not OutboxMessage.objects.filter(event_type="payment.refund_requested").exists()
    assert "refunded to Cash at the till" in done
    event = OutboxMessage.objects.get(event_type="order.returned")
    assert event.payload["refund_method"] == "cash"


def test_a_clerk_cannot_refund_a_card_sale_in_cash(story):
    order = sale(story.customer_id)
    clerk = client_for("store_clerk", HOME)
    page = clerk.get("/store/returns/", {"order": order.number}).content.decode()
    assert 'name="refund_method" value="cash"' not in page
    done = take(clerk, order, qty="1", refund_method="cash").content.decode()
    assert "needs someone who may refund" in done
    assert not Return.objects.exists()


def test_the_api_asks_refund_for_a_cash_refund(story, token_client):
    order = sale(story.customer_id)
    body = {
        "channel": "handheld",
        "location": HOME,
        "reason": "no le gustó",
        "lines": [{"sku": SHIRT_S, "quantity": 1}],
        "refund_method": "cash",
    }
    clerk = token_client("store_clerk", ("commerce:sell",))
    url = f"/api/v1/orders/{order.number}/returns"
    assert clerk.post(url, body, content_type="application/json").status_code == 403
    boss = token_client("supervisor", ("commerce:sell", "commerce:refund"))
    made = boss.post(url, body, content_type="application/json")
    assert made.status_code == 201 and made.json()["refund_method"] == "cash"


def test_a_cash_sale_is_refunded_in_cash_as_paid_and_shown_in_spanish(story):
    order = sale(story.customer_id, payment=PaymentIn(in_store="cash"))
    clerk = client_for("store_clerk", HOME, language="es")
    page = clerk.get("/store/returns/", {"order": order.number}).content.decode()
    assert "El pago original (Efectivo)" in page
    done = take(clerk, order, qty="1").content.decode()
    assert "Comprobante de devolución" in done and "Efectivo" in done


def test_nothing_to_return_is_refused_and_writes_nothing(story):
    order = sale(story.customer_id)
    done = take(client_for("store_clerk", HOME), order, qty="0").content.decode()
    assert "The return was not taken" in done and not Return.objects.exists()
