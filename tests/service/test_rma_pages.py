"""RMA pages: authorizing one from a case, its steps as buttons per state (receive, inspect,
refund), the list's status filter, and refusals shown in words with nothing written."""

from __future__ import annotations

import pytest
from django.test import Client

from lealtad.commerce import demo
from lealtad.commerce.schemas import LineIn, OrderIn, PaymentIn, ShipIn
from lealtad.commerce.services import SaleContext, shipments
from lealtad.commerce.services.placement import place_order
from lealtad.core.audit import Actor
from lealtad.service.models import Case, Rma, SupportGroup
from lealtad.service.services import cases, rma

pytestmark = pytest.mark.django_db
SHIRT_L = "CAM-OXF-CEL-L"
T = Actor.system("t")


def signed_in(make_user, role: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(make_user(role))
    return client


@pytest.fixture
def story(db: None) -> demo.Story:
    demo.seed_catalog()
    return demo.seed_customer()


def shipped(story: demo.Story, quantity: int = 1) -> str:
    ctx = SaleContext(Actor.system("web"), "web")
    order, _ = place_order(
        OrderIn(
            customer_id=story.customer_id,
            channel="web",
            lines=[LineIn(sku=SHIRT_L, quantity=quantity)],
            fulfilment="ship",
            ship_address_kind="home",
            payment=PaymentIn(on_file=True),
        ),
        ctx,
    )
    shipments.ship_order(order, ShipIn(tracking=f"LX-{order.pk}"), ctx)
    return order.number


def a_case(customer_id: int | None, order_number: str = "") -> Case:
    SupportGroup.objects.get_or_create(name="nivel1", defaults={"label": "N1", "level": 1})
    return cases.open_case(
        cases.NewCase(
            subject="La camisa llegó descosida",
            category="post_sale",
            customer_id=customer_id,
            order_number=order_number,
            product_sku=SHIRT_L if order_number else "",
            extra={} if customer_id else {"triage": True},  # a mail from an unknown sender
        ),
        T,
    )


def test_an_agent_authorizes_an_rma_from_the_case_and_walks_it_to_a_refund(make_user, story):
    number = shipped(story)
    case = a_case(story.customer_id, number)
    client = signed_in(make_user, "agent")
    page = client.get(f"/service/cases/{case.pk}/").content.decode()
    assert f"/service/rma/new/?case={case.pk}" in page
    form = client.get(f"/service/rma/new/?case={case.pk}").content.decode()
    assert number in form and SHIRT_L in form  # the case's order and product pre-filled
    made = client.post(
        f"/service/rma/new/?case={case.pk}",
        {"reason": "Costura rota", "channel": "web", "order_number_0": number, "sku_0": SHIRT_L},
    )
    found = Rma.objects.get(case=case)
    assert made.status_code == 302 and made["Location"] == f"/service/rma/{found.number}/"
    assert found.return_required and found.lines.get().quantity == 1
    panel = client.get(f"/service/rma/for-case/{case.pk}/").content.decode()
    assert found.number in panel and "Authorized" in panel

    text = client.get(f"/service/rma/{found.number}/").content.decode()
    assert 'id="rma-receive"' in text and 'id="rma-cancel"' in text
    assert 'id="rma-inspect"' not in text and 'id="rma-resolve"' not in text
    client.post(
        f"/service/rma/{found.number}/receive", {"location": demo.STORE_HOME, "channel": "pos"}
    )
    text = client.get(f"/service/rma/{found.number}/").content.decode()
    assert 'id="rma-inspect"' in text and 'id="rma-receive"' not in text
    client.post(f"/service/rma/{found.number}/inspect", {"faulty": "yes", "note": "Manga"})
    text = client.get(f"/service/rma/{found.number}/").content.decode()
    assert 'id="rma-resolve"' in text and 'value="replace"' in text
    done = client.post(
        f"/service/rma/{found.number}/resolve", {"resolution": "refund"}, follow=True
    )
    assert "Resolved: Refund." in done.content.decode()
    found.refresh_from_db()
    assert found.status == "resolved" and found.refund_amount > 0
    assert found.received_location == demo.STORE_HOME and found.faulty is True
    assert "Nothing left to do." in done.content.decode()


def test_refusals_are_shown_in_words_and_write_nothing(make_user, story):
    number = shipped(story)
    case = a_case(story.customer_id, number)
    client = signed_in(make_user, "agent")
    url = f"/service/rma/new/?case={case.pk}"
    too_many = client.post(
        url,
        {"reason": "Costura rota", "order_number_0": number, "sku_0": SHIRT_L, "quantity_0": "3"},
    )
    assert too_many.status_code == 422
    text = too_many.content.decode()
    assert "Only 1 of CAM-OXF-CEL-L on order" in text and "lines.0.quantity" in text
    assert 'value="3"' in text  # what was typed is kept
    not_a_number = client.post(
        url,
        {"reason": "Costura rota", "order_number_0": number, "sku_0": SHIRT_L, "quantity_0": "x"},
    )
    assert "is not a number of units" in not_a_number.content.decode()
    no_lines = client.post(url, {"reason": "Costura rota"})
    assert "An RMA needs at least one line." in no_lines.content.decode()
    short = client.post(url, {"reason": "no", "order_number_0": number, "sku_0": SHIRT_L})
    assert "Give a reason" in short.content.decode()
    assert not Rma.objects.exists()

    made = rma.authorize(
        rma.NewRma(story.customer_id, "Costura", [rma.RmaLineIn(number, SHIRT_L)], case.pk), T
    )
    wrong = client.post(f"/service/rma/{made.number}/inspect", {"faulty": "yes"}, follow=True)
    assert "cannot be inspected now" in wrong.content.decode()
    unsaid = client.post(
        f"/service/rma/{made.number}/receive", {"location": "NOWHERE"}, follow=True
    )
    assert "unknown location NOWHERE" in unsaid.content.decode()
    made.refresh_from_db()
    assert made.status == "authorized"
    assert client.post(f"/service/rma/{made.number}/explode").status_code == 404


def test_a_case_without_a_customer_offers_no_rma(make_user, db):
    case = a_case(None)
    client = signed_in(make_user, "agent")
    assert "rma-from-case" not in client.get(f"/service/cases/{case.pk}/").content.decode()
    refused = client.get(f"/service/rma/new/?case={case.pk}")
    assert refused.status_code == 404 and "has no customer" in refused.content.decode()
    assert client.get("/service/rma/new/?case=999999").status_code == 404
    assert client.get("/service/rma/RMA-999999/").status_code == 404


def test_without_the_goods_back_the_refund_takes_an_amount(make_user, story):
    number = shipped(story)
    case = a_case(story.customer_id, number)
    made = rma.authorize(
        rma.NewRma(
            story.customer_id,
            "Llegó tarde",
            [rma.RmaLineIn(number, SHIRT_L)],
            case.pk,
            return_required=False,
        ),
        T,
    )
    client = signed_in(make_user, "agent")
    text = client.get(f"/service/rma/{made.number}/").content.decode()
    assert 'id="rma-inspect"' in text and 'id="rma-receive"' not in text
    client.post(f"/service/rma/{made.number}/inspect", {"faulty": "no"})
    text = client.get(f"/service/rma/{made.number}/").content.decode()
    assert 'id="refund_amount"' in text and 'value="replace"' not in text
    bad = client.post(
        f"/service/rma/{made.number}/resolve",
        {"resolution": "refund", "refund_amount": "doce"},
        follow=True,
    )
    assert "is not an amount" in bad.content.decode()
    too_much = client.post(
        f"/service/rma/{made.number}/resolve",
        {"resolution": "refund", "refund_amount": "99999"},
        follow=True,
    )
    assert "at most" in too_much.content.decode()
    client.post(
        f"/service/rma/{made.number}/resolve", {"resolution": "refund", "refund_amount": "5,00"}
    )
    made.refresh_from_db()
    assert made.status == "resolved" and str(made.refund_amount) == "5.00"


def test_the_list_filters_by_status(make_user, story):
    first, second = shipped(story), shipped(story)
    one = rma.authorize(rma.NewRma(story.customer_id, "Uno", [rma.RmaLineIn(first, SHIRT_L)]), T)
    two = rma.authorize(rma.NewRma(story.customer_id, "Dos", [rma.RmaLineIn(second, SHIRT_L)]), T)
    rma.cancel(two.number, T)
    client = signed_in(make_user, "agent")
    everything = client.get("/service/rma/").content.decode()
    assert one.number in everything and two.number in everything
    cancelled = client.get("/service/rma/?status=cancelled").content.decode()
    assert two.number in cancelled and one.number not in cancelled
    odd = client.get("/service/rma/?status=<b>").content.decode()
    assert one.number in odd and two.number in odd  # an unknown status filters nothing


def test_the_pages_need_the_service_desk(make_user, story):
    number = shipped(story)
    made = rma.authorize(rma.NewRma(story.customer_id, "Uno", [rma.RmaLineIn(number, SHIRT_L)]), T)
    clerk = signed_in(make_user, "store_clerk")
    assert clerk.get("/service/rma/").status_code == 403
    assert clerk.get(f"/service/rma/{made.number}/").status_code == 403
    assert clerk.post(f"/service/rma/{made.number}/cancel").status_code == 403
    assert Rma.objects.get(pk=made.pk).status == "authorized"
    assert Client().get("/service/rma/").status_code == 302
