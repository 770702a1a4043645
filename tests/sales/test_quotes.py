"""Quotes end to end on the database: priced by commerce, approved past the discount limit,
mailed as PDF to a real SMTP server (aiosmtpd), revised into read-only versions, and accepted
into a commerce order whose total is the quote's to the cent."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from typing import Any

import pytest
from django.template.loader import render_to_string
from pypdf import PdfReader

from lealtad.commerce import demo
from lealtad.commerce.models import Order, Variant
from lealtad.core.audit import Actor
from lealtad.core.errors import DomainError
from lealtad.sales import selectors_quotes
from lealtad.sales.models import Quote
from lealtad.sales.services import quote_acceptance, quote_sending, quotes
from lealtad.sales.services.quotes import LineInput, QuoteInput
from tests.service.mail_fixtures import smtp_sink_fixture  # noqa: F401

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")
MANAGER = Actor.system("manager")
AMOUNT = re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})*\.\d{2}(?![\d])")


@pytest.fixture
def story(db: Any) -> demo.Story:
    demo.seed_catalog()
    return demo.seed_customer()


def _input(story: demo.Story, **more: Any) -> QuoteInput:
    fields: dict[str, Any] = {
        "country": "EC",
        "customer_id": story.customer_id,
        "channel": "web",
        "title": "Uniformes oficina",
        "lines": [
            LineInput(demo.SHIRT_M, 3, group="Camisas", discount_percent=Decimal("5")),
            LineInput(demo.TROUSERS_32, 2, group="Pantalones"),
        ],
    }
    fields.update(more)
    return QuoteInput(**fields)


def _refused(call: Any, *args: Any) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(*args)
    return caught.value


def _page(quote: Quote) -> str:
    return render_to_string("sales/_quote_document.html", {"doc": selectors_quotes.document(quote)})


def test_a_quote_is_priced_by_commerce_with_promotions_groups_and_iva(story: demo.Story) -> None:
    quote = quotes.create_quote(_input(story), ACTOR)
    shirt, trousers = quote.lines.all()
    assert (shirt.unit_price, shirt.base, shirt.discount) == (
        Decimal("34.90"),
        Decimal("104.70"),
        Decimal("5.24"),
    )
    # The web promotion (10% on trousers) applies as it would to an order.
    assert (trousers.base, trousers.discount) == (Decimal("89.80"), Decimal("8.98"))
    assert quote.promotions == ["WEB-PANTALONES-10"]
    assert (quote.tax_name, quote.tax_rate, quote.currency) == ("IVA", Decimal("0.1500"), "USD")
    assert quote.tax == shirt.tax + trousers.tax == Decimal("14.92") + Decimal("12.12")
    # 194.50 - 14.22 + 27.04
    assert (quote.subtotal, quote.discount, quote.total) == (
        Decimal("194.50"),
        Decimal("14.22"),
        Decimal("207.32"),
    )
    assert quote.negotiated_percent == Decimal("2.69")  # 5.24 of 194.50
    page = _page(quote)
    assert "Subtotal Camisas" in page and "Subtotal Pantalones" in page
    assert AMOUNT.findall(page)[-1] == "207.32"


def test_an_unknown_or_discontinued_product_is_refused_by_its_line(story: demo.Story) -> None:
    lines = [LineInput(demo.SHIRT_M, 1), LineInput("NO-SUCH-SKU", 1)]
    error = _refused(quotes.create_quote, _input(story, lines=lines), ACTOR)
    assert (error.status, error.field, error.code) == (404, "lines[1].sku", "unknown_product")
    assert "NO-SUCH-SKU" in error.message
    Variant.objects.filter(sku=demo.TROUSERS_32).update(active=False)
    error = _refused(quotes.create_quote, _input(story), ACTOR)
    assert (error.status, error.field, error.code) == (409, "lines[1].sku", "product_discontinued")
    assert "discontinued" in error.message and demo.TROUSERS_32 in error.message
    assert not Quote.objects.exists()


def test_the_same_product_twice_is_refused(story: demo.Story) -> None:
    lines = [LineInput(demo.SHIRT_M, 1), LineInput(demo.SHIRT_M, 2, group="Otra")]
    error = _refused(quotes.create_quote, _input(story, lines=lines), ACTOR)
    assert (error.status, error.field) == (409, "lines[1].sku")


def test_a_large_discount_waits_for_a_manager_and_cannot_be_sent_before(
    story: demo.Story, smtp_sink: Any
) -> None:
    quote = quotes.create_quote(_input(story, discount_percent=Decimal("20")), ACTOR)
    assert quote.negotiated_percent > quotes.approval_limit()
    assert quotes.submit(quote.number, ACTOR).status == Quote.Status.PENDING_APPROVAL
    error = _refused(quote_sending.send, quote.number, "compras@cliente.ec", ACTOR)
    assert (error.status, error.code) == (409, "quote_not_sendable")
    assert "approval" in error.message and not smtp_sink.received
    assert _refused(quotes.decide, quote.number, False, " ", MANAGER).field == "note"
    decided = quotes.decide(quote.number, True, "cliente estratégico", MANAGER)
    assert decided.status == Quote.Status.APPROVED
    assert quote_sending.send(quote.number, "compras@cliente.ec", ACTOR).status == "sent"


def test_a_rejected_quote_is_not_sent(story: demo.Story, smtp_sink: Any) -> None:
    quote = quotes.create_quote(_input(story, discount_amount=Decimal("60")), ACTOR)
    quotes.submit(quote.number, ACTOR)
    assert quotes.decide(quote.number, False, "demasiado", MANAGER).status == "rejected"
    assert _refused(quote_sending.send, quote.number, "a@b.ec", ACTOR).status == 409
    assert not smtp_sink.received


def test_sent_as_pdf_whose_numbers_are_the_pages(story: demo.Story, smtp_sink: Any) -> None:
    quote = quotes.create_quote(_input(story, language="en"), ACTOR)
    assert quotes.submit(quote.number, ACTOR).status == Quote.Status.APPROVED
    sent = quote_sending.send(quote.number, "compras@cliente.ec", ACTOR)
    assert (sent.status, sent.sent_to) == ("sent", "compras@cliente.ec")
    (mail,) = smtp_sink.received
    assert mail["To"] == "compras@cliente.ec" and quote.number in mail["Subject"]
    (attachment,) = list(mail.iter_attachments())
    assert attachment.get_filename() == f"{quote.number}-v1.pdf"
    text = PdfReader(io.BytesIO(attachment.get_content())).pages[0].extract_text()
    assert AMOUNT.findall(text) == AMOUNT.findall(_page(sent))
    assert "Rodrigo Juárez Ortega" in text


def test_a_sent_version_is_read_only_and_a_revision_bumps_the_version(
    story: demo.Story, smtp_sink: Any
) -> None:
    quote = quotes.create_quote(_input(story), ACTOR)
    quotes.submit(quote.number, ACTOR)
    quote_sending.send(quote.number, "compras@cliente.ec", ACTOR)
    error = _refused(quotes.update_draft, quote.number, _input(story, title="otro"), ACTOR)
    assert (error.status, error.code) == (409, "quote_not_draft")
    second = quotes.revise(quote.number, ACTOR)
    assert (second.number, second.version, second.status) == (quote.number, 2, "draft")
    lines = [LineInput(demo.SHIRT_M, 10, group="Camisas")]
    edited = quotes.update_draft(quote.number, _input(story, lines=lines), ACTOR)
    assert edited.total == Decimal("401.35")  # 349.00 + 15% IVA
    first = quotes.version_of(quote.number, 1)
    assert (first.status, first.total, first.lines.count()) == ("sent", quote.total, 2)


def test_accepted_into_an_order_at_the_quotes_total_once(story: demo.Story, smtp_sink: Any) -> None:
    quote = quotes.create_quote(_input(story, discount_amount=Decimal("7.77")), ACTOR)
    quotes.submit(quote.number, ACTOR)
    quote_sending.send(quote.number, "compras@cliente.ec", ACTOR)
    terms = {"fulfilment": "ship", "ship_address_kind": "home", "payment": {"on_file": True}}
    accepted = quote_acceptance.accept(quote.number, terms, ACTOR)
    order = Order.objects.get(number=accepted.order_number)
    assert (accepted.status, order.total, order.customer_id) == (
        "accepted",
        quote.total,
        story.customer_id,
    )
    assert {line.variant.sku: line.quantity for line in order.lines.all()} == {
        demo.SHIRT_M: 3,
        demo.TROUSERS_32: 2,
    }
    error = _refused(quote_acceptance.accept, quote.number, terms, ACTOR)
    assert (error.status, error.code) == (409, "quote_already_accepted")
    assert accepted.order_number in error.message
    assert Order.objects.count() == 1


def test_a_draft_is_not_accepted_nor_a_product_discontinued_since(
    story: demo.Story, smtp_sink: Any
) -> None:
    quote = quotes.create_quote(_input(story), ACTOR)
    terms = {"fulfilment": "ship", "ship_address_kind": "home", "payment": {"on_file": True}}
    assert _refused(quote_acceptance.accept, quote.number, terms, ACTOR).code == "quote_not_sent"
    quotes.submit(quote.number, ACTOR)
    quote_sending.send(quote.number, "compras@cliente.ec", ACTOR)
    Variant.objects.filter(sku=demo.TROUSERS_32).update(active=False)
    error = _refused(quote_acceptance.accept, quote.number, terms, ACTOR)
    assert (error.status, error.field, error.code) == (409, "lines[1].sku", "product_discontinued")
    assert not Order.objects.exists()
