"""Handheld pages through Django's client: roles, refusals shown, the 360 orders card."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.template.loader import render_to_string
from django.test import Client

from lealtad.commerce import demo
from lealtad.commerce.events import orders_section
from lealtad.commerce.models import Order

pytestmark = pytest.mark.django_db


def client_for(role: str) -> Client:
    user = User.objects.create_user(f"{role}-user")
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    client = Client()
    client.force_login(user)
    return client


def test_the_handheld_finds_products_and_shows_stock_everywhere(story):
    clerk = client_for("store_clerk")
    page = clerk.get(f"/store/?store={demo.STORE_HOME}&q=pantal").content.decode()
    assert "Pantalón chino azul marino" in page
    sizes = clerk.get("/store/products/PAN-CHI/").content.decode()
    assert demo.TROUSERS_34 in sizes
    stock = clerk.get(f"/store/sku/{demo.SHIRT_M}/").content.decode()
    assert "Bodega Central Quito" in stock and 'id="order"' in stock
    card = clerk.get(f"/store/customer/?customer=rodrigo.juarez@example.ec&sku={demo.SHIRT_M}")
    assert "Rodrigo Juárez Ortega" in card.content.decode()


def test_a_refused_order_says_why_and_places_nothing(story):
    clerk = client_for("store_clerk")
    response = clerk.post(
        "/store/orders/",
        {
            "customer_id": story.customer_id,
            "sku": demo.SHIRT_M,
            "fulfilment": "take_now",
            "store": demo.STORE_HOME,
        },
        follow=True,
    )
    page = response.content.decode()
    assert 'class="msg error"' in page and demo.SHIRT_M in page
    assert not Order.objects.exists()


def test_pages_need_the_capability(story):
    marketer = client_for("marketer")
    assert marketer.post("/store/orders/", {}).status_code == 403
    assert marketer.get("/store/returns/").status_code == 403
    assert Client().get("/store/").status_code == 302  # to the sign-in page


def test_the_360_orders_card(story, api):
    demo.cross_channel()
    rows = orders_section(story.customer_id, frozenset())
    html = render_to_string("commerce/_customer_orders.html", {"orders": rows})
    assert html.count('class="order"') == 3
    assert "No le queda" in html
    # the store the return was taken at by its name, not its code (issue 17)
    assert "Tienda Amazonas" in html and demo.STORE_OFFICE not in html
