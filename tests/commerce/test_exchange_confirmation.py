"""An exchange at the handheld that charges a difference to a card on file asks the customer
first, as a sale does (issue 17): the amount and the card's last digits, then a button that
charges exactly that. Nothing is charged before; a difference that changed since is refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from lealtad.commerce import demo
from lealtad.commerce.models import Exchange, Order, Payment
from tests.commerce.handheld import sign_in_clerk
from tests.commerce.test_operations_views import OFFICE, client_for, web_order

TROUSERS_32, TROUSERS_34 = demo.TROUSERS_32, demo.TROUSERS_34


def _form(order: Order, **more: str) -> dict[str, str]:
    line = order.lines.get()
    return {
        "order": order.number,
        "action": "exchange",
        f"qty-{line.pk}": "1",
        f"swap-{line.pk}": TROUSERS_34,
        "reason": "No le queda: talla pequeña",
        **more,
    }


@pytest.mark.django_db
def test_the_difference_is_shown_with_the_card_and_nothing_is_charged_before(story) -> None:
    order = web_order(story, TROUSERS_32)
    clerk = client_for("store_clerk")
    payments = Payment.objects.count()
    page = clerk.post(f"/store/returns/?store={OFFICE}", _form(order)).content.decode()
    assert 'id="exchange-confirm"' in page and "···1111" in page
    assert not Exchange.objects.exists() and Payment.objects.count() == payments

    done = clerk.post(
        f"/store/returns/?store={OFFICE}",
        _form(order, confirmed_difference="5.17", idempotency_key="confirm-1"),
    )
    assert done.status_code == 302
    found = Exchange.objects.get()
    assert found.difference == Decimal("5.17")
    charge = found.replacement.payments.filter(kind="charge").order_by("-id").first()
    assert charge is not None and charge.method_label.endswith("···1111")


@pytest.mark.django_db
def test_a_difference_other_than_the_one_confirmed_is_refused(story) -> None:
    order = web_order(story, TROUSERS_32)
    clerk = client_for("store_clerk")
    payments = Payment.objects.count()
    page = clerk.post(
        f"/store/returns/?store={OFFICE}",
        _form(order, confirmed_difference="1.00", idempotency_key="confirm-2"),
        follow=True,
    ).content.decode()
    assert 'class="msg error"' in page and "5.17" in page
    assert not Exchange.objects.exists() and Payment.objects.count() == payments


@pytest.mark.django_db
def test_an_exchange_paid_in_cash_needs_no_card_confirmation(story) -> None:
    order = web_order(story, TROUSERS_32)
    clerk = client_for("store_clerk")
    done = clerk.post(f"/store/returns/?store={OFFICE}", _form(order, pay="cash"))
    assert done.status_code == 302 and Exchange.objects.get().difference == Decimal("5.17")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["es", "en"])
def test_the_clerk_confirms_the_charge_on_the_phone(
    phone: Page, live_server, language: str
) -> None:
    demo.seed_catalog()
    order = web_order(demo.seed_customer(), TROUSERS_32)
    sign_in_clerk(phone, live_server.url, "andrea.tienda")
    if language == "en":
        phone.get_by_role("button", name="EN").click()
        expect(phone.locator("html")).to_have_attribute("lang", "en")
    phone.goto(f"{live_server.url}/store/returns/?store={OFFICE}&order={order.number}")
    phone.locator("#return-form input[type=number]").fill("1")
    phone.locator("#return-form select").select_option(TROUSERS_34)
    phone.fill("#reason", "No le queda: talla pequeña")
    phone.locator("#exchange-button").click()

    amount = "5,17 USD" if language == "es" else "5.17 USD"  # in the reader's own way
    expect(phone.locator("#exchange-amount")).to_have_text(amount)
    expect(phone.locator("#exchange-payment")).to_contain_text("···1111")
    confirm = phone.locator("#exchange-confirm")
    expect(confirm).to_contain_text("Confirmar" if language == "es" else "Confirm")
    assert not Exchange.objects.exists()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    confirm.click()

    expect(phone.locator(".msg.success")).to_contain_text("CAM-")
    expect(phone.locator("#exchange-of")).to_contain_text(order.number)
    assert Exchange.objects.get().difference == Decimal("5.17")


@pytest.mark.django_db
def test_the_api_refuses_a_difference_other_than_the_one_confirmed(api, story) -> None:
    from tests.commerce.test_exchanges import delivered, exchange_body, post, snapshot

    order = delivered(api, story, TROUSERS_32)
    body = exchange_body(
        returns=[{"sku": TROUSERS_32, "quantity": 1}],
        replacements=[{"sku": TROUSERS_34, "quantity": 1}],
    )
    before = snapshot()
    url = f"/api/v1/orders/{order['number']}/exchanges"
    wrong = post(api, url, {**body, "expected_difference": "3.00"})
    assert wrong.status_code == 409 and "3.00" in wrong.json()["message"]
    assert snapshot() == before
    right = post(api, url, {**body, "expected_difference": "5.17"})
    assert right.status_code == 201, right.content
