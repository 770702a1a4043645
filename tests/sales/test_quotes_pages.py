"""The quote pages: the editor prices the lines live (htmx) with the fragment the page and
the PDF use, saving makes the draft, the page offers the next step, refusals name the line,
Spanish and English."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from lealtad.commerce import demo
from lealtad.sales.models import Quote
from tests.service.mail_fixtures import smtp_sink_fixture  # noqa: F401

pytestmark = pytest.mark.django_db
AMOUNT = re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})*\.\d{2}(?![\d])")


@pytest.fixture
def story(db: Any) -> demo.Story:
    demo.seed_catalog()
    return demo.seed_customer()


@pytest.fixture
def seller(db: Any) -> Client:
    """A sales manager (drafts, approves, sends), signed in."""
    client = Client()
    user = User.objects.create_user("gerente", password="x-Secret-9")
    user.groups.add(Group.objects.get_or_create(name="sales_manager")[0])
    assert client.login(username="gerente", password="x-Secret-9")
    return client


def _form(story: demo.Story, **more: Any) -> dict[str, Any]:
    return {
        "customer_id": story.customer_id,
        "country": "MX",
        "language": "es",
        "discount_percent": "",
        "discount_amount": "",
        "line_sku": [demo.SHIRT_M, demo.TROUSERS_32, ""],
        "line_quantity": ["2", "1", ""],
        "line_group": ["Camisas", "", ""],
        "line_discount_percent": ["", "10", ""],
        "line_discount_amount": ["", "", ""],
        **more,
    }


def test_the_editor_prices_live_and_saves_the_draft(story, seller) -> None:
    page = seller.get("/sales/quotes/new/", HTTP_ACCEPT_LANGUAGE="es")
    assert page.status_code == 200 and 'hx-post="/sales/quotes/preview/"' in page.content.decode()
    preview = seller.post("/sales/quotes/preview/", _form(story), HTTP_HX_REQUEST="true")
    fragment = preview.content.decode()
    assert "IVA 16%" in fragment and "Subtotal Camisas" in fragment
    saved = seller.post("/sales/quotes/new/", _form(story))
    quote = Quote.objects.get()
    assert saved.status_code == 302 and saved["Location"] == f"/sales/quotes/{quote.number}/"
    detail = seller.get(saved["Location"]).content.decode()
    assert AMOUNT.findall(detail)[: len(AMOUNT.findall(fragment))] == AMOUNT.findall(fragment)
    assert f"/sales/quotes/{quote.number}/submit/" in detail


def test_a_refused_line_is_named_and_nothing_saved(story, seller) -> None:
    form = _form(story, line_sku=["NO-EXISTE", "", ""])
    preview = seller.post("/sales/quotes/preview/", form).content.decode()
    assert "lines[0].sku" in preview and "NO-EXISTE" in preview
    page = seller.post("/sales/quotes/new/", form, follow=True).content.decode()
    assert "lines[0].sku" in page and not Quote.objects.exists()


def test_submit_send_and_the_pdf_from_the_page(story, seller, smtp_sink) -> None:
    seller.post("/sales/quotes/new/", _form(story))
    number = Quote.objects.get().number
    seller.post(f"/sales/quotes/{number}/submit/")
    seller.post(f"/sales/quotes/{number}/send/", {"to": "compras@cliente.mx"})
    assert Quote.objects.get().status == "sent" and len(smtp_sink.received) == 1
    edit = seller.post(f"/sales/quotes/{number}/edit/", _form(story), follow=True)
    assert "ya no puede cambiar" in edit.content.decode()  # the installation speaks Spanish
    pdf = seller.get(f"/sales/quotes/{number}/pdf/")
    assert pdf["Content-Type"] == "application/pdf"
    english = seller.get(f"/sales/quotes/{number}/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Revise (new version)" in english.content.decode()
