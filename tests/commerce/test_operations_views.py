"""Handheld pages for exchanges and transfers (Django's client): done, refused, by role."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.template.loader import render_to_string
from django.test import Client

from lealtad.commerce import demo
from lealtad.commerce.events import orders_section
from lealtad.commerce.models import Exchange, Order, Stock, Transfer
from lealtad.commerce.schemas import LineIn, OrderIn, PaymentIn, ShipIn, TransferShipIn
from lealtad.commerce.services import SaleContext, deliver_order, ship_order, transfers
from lealtad.commerce.services import orders as order_services
from lealtad.core.audit import Actor

pytestmark = pytest.mark.django_db

HOME, OFFICE, WAREHOUSE = demo.STORE_HOME, demo.STORE_OFFICE, demo.WAREHOUSE
SHIRT_L = "CAM-OXF-CEL-L"


def client_for(role: str) -> Client:
    user = User.objects.create_user(f"{role}-user")
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    client = Client()
    client.force_login(user)
    return client


def web_order(story: demo.Story, sku: str) -> Order:
    ctx = SaleContext(Actor.system("web"), "web")
    order, _ = order_services.place_order(
        OrderIn(
            customer_id=story.customer_id,
            channel="web",
            lines=[LineIn(sku=sku, quantity=1)],
            fulfilment="ship",
            ship_address_kind="home",
            payment=PaymentIn(on_file=True),
        ),
        ctx,
    )
    ship_order(order, ShipIn(), ctx)
    deliver_order(order, ctx)
    return order


def on_hand(sku: str, location: str) -> int:
    return Stock.objects.get(variant__sku=sku, location__code=location).on_hand


def test_a_clerk_exchanges_a_web_order_for_another_size_at_the_store(story):
    order = web_order(story, SHIRT_L)
    line = order.lines.get()
    clerk = client_for("store_clerk")
    page = clerk.get(f"/store/returns/?store={OFFICE}&order={order.number}").content.decode()
    assert f'name="swap-{line.pk}"' in page and demo.SHIRT_M in page
    before_m = on_hand(demo.SHIRT_M, OFFICE)

    response = clerk.post(
        "/store/returns/",
        {
            "order": order.number,
            "action": "exchange",
            f"qty-{line.pk}": "1",
            f"swap-{line.pk}": demo.SHIRT_M,
            "reason": "le queda grande",
            "idempotency_key": "form-1",
        },
        follow=True,
    )

    found = Exchange.objects.get()
    page = response.content.decode()
    assert found.number in page and 'id="exchange-of"' in page
    assert found.replacement.status == "completed"
    assert on_hand(demo.SHIRT_M, OFFICE) == before_m - 1
    again = clerk.post(
        "/store/returns/",
        {
            "order": order.number,
            "action": "exchange",
            f"qty-{line.pk}": "1",
            f"swap-{line.pk}": demo.SHIRT_M,
            "reason": "le queda grande",
            "idempotency_key": "form-1",
        },
    )
    assert again.status_code == 302
    assert Exchange.objects.count() == 1
    original = clerk.get(f"/store/orders/{order.number}/").content.decode()
    assert found.replacement.number in original


def test_an_exchange_without_a_new_size_says_why_and_changes_nothing(story):
    order = web_order(story, SHIRT_L)
    line = order.lines.get()
    clerk = client_for("store_clerk")
    response = clerk.post(
        f"/store/returns/?store={OFFICE}",
        {
            "order": order.number,
            "action": "exchange",
            f"qty-{line.pk}": "1",
            "reason": "le queda grande",
        },
    )
    page = response.content.decode()
    assert 'class="msg error"' in page
    assert not Exchange.objects.exists()
    order.refresh_from_db()
    assert order.status == "delivered"


def test_transfers_page_asks_and_receives_for_those_who_fulfil(story):
    supervisor = client_for("supervisor")
    supervisor.get(f"/store/transfers/?store={HOME}")
    supervisor.post(
        "/store/transfers/",
        {"sku": demo.SHIRT_M, "quantity": "2", "from_location": WAREHOUSE},
    )
    transfer = Transfer.objects.get()
    assert (transfer.to_location.code, transfer.status) == (HOME, "requested")
    # The warehouse ships it.
    transfers.ship_transfer(transfer, TransferShipIn(), SaleContext(Actor.system("b"), "web"))
    page = supervisor.get("/store/transfers/").content.decode()
    assert f"/store/transfers/{transfer.number}/" in page  # received on its own page
    page = supervisor.get(f"/store/transfers/{transfer.number}/").content.decode()
    assert 'value="receive"' in page
    line = transfer.lines.get()
    supervisor.post(
        f"/store/transfers/{transfer.number}/step/",
        {"action": "receive", f"received-{line.pk}": "2"},
    )
    transfer.refresh_from_db()
    assert transfer.status == "received"
    assert on_hand(demo.SHIRT_M, HOME) == 2

    refused = supervisor.post(
        "/store/transfers/",
        {"sku": "NOPE", "quantity": "1", "from_location": WAREHOUSE},
        follow=True,
    )
    assert 'class="msg error"' in refused.content.decode()
    assert Transfer.objects.count() == 1
    clerk = client_for("store_clerk")  # asks for stock (SELL), ships and receives nothing
    assert clerk.get("/store/transfers/").status_code == 200
    marketer = client_for("marketer")  # neither sells nor fulfils
    assert marketer.post("/store/transfers/", {"sku": demo.SHIRT_M}).status_code == 403


def test_the_360_orders_card_shows_the_exchange_on_both_orders(story, api):
    order = web_order(story, SHIRT_L)
    api.post(
        f"/api/v1/orders/{order.number}/exchanges",
        {
            "channel": "pos",
            "location": OFFICE,
            "reason": "talla",
            "returns": [{"sku": SHIRT_L, "quantity": 1}],
            "replacements": [{"sku": demo.SHIRT_M, "quantity": 1}],
        },
        content_type="application/json",
    )
    rows = orders_section(story.customer_id, frozenset())
    html = render_to_string("commerce/_customer_orders.html", {"orders": rows})
    assert html.count('class="meta exchange"') == 1
    assert html.count('class="meta exchange-of"') == 1
