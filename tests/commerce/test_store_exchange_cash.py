"""The handheld exchange of a cash or walk-in sale (issue 17): it used to fail with "no card
on file". The price difference is now settled the way the original sale was paid — cash
taken now, due at the till, or a new card typed on the gateway's hosted form."""

from __future__ import annotations

import re
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest

from lealtad.commerce.models import Exchange, Order, Payment, Variant
from lealtad.commerce.schemas import PaymentIn
from lealtad.commerce.services.walk_in import walk_in_customer
from tests.commerce.store_fixtures import HOME, SHIRT_L, SHIRT_S, TILL, client_for, sale, units

pytestmark = pytest.mark.django_db

SHIRT = Decimal("40.14")  # 34.90 + 15 % IVA


def exchange(client, order: Order, **fields: str):
    line = order.lines.get()
    form = {
        "order": order.number,
        "action": "exchange",
        f"qty-{line.pk}": "1",
        f"swap-{line.pk}": SHIRT_L,
        "reason": "otra talla",
        **fields,
    }
    return client.post("/store/returns/", form, follow=True)


def priced_l(price: str) -> None:
    """Size L costs ``price`` before tax from now on (the replacement is priced today)."""
    Variant.objects.filter(sku=SHIRT_L).update(price=Decimal(price))


def walk_in_sale(paid: str) -> Order:
    return sale(walk_in_customer(TILL), payment=PaymentIn(in_store=paid))  # type: ignore[arg-type]


def test_a_walk_ins_cash_sale_is_exchanged_and_the_difference_taken_in_cash(story):
    order = walk_in_sale("cash")
    priced_l("40.00")  # 46.00 with IVA: 5.86 more
    done = exchange(client_for("store_clerk", HOME), order).content.decode()
    found = Exchange.objects.get()
    assert found.difference == Decimal("5.86")
    paid = found.replacement.payments.filter(kind=Payment.Kind.CHARGE).order_by("id")
    assert [(p.method_label, p.amount, p.status) for p in paid] == [
        ("cash", SHIRT, "captured"),  # the returned shirt's value
        ("cash", Decimal("5.86"), "captured"),  # the difference, in cash now
    ]
    assert paid.last().reference == f"cash:{found.replacement.number}"
    assert found.replacement.status == "completed"
    assert "5.86 charged (cash)" in done
    assert units(SHIRT_S, HOME)[0] == 3 and units(SHIRT_L, HOME)[0] == 1


def test_an_even_exchange_of_a_walk_in_sale_needs_no_card(story):
    order = walk_in_sale("cash")
    done = exchange(client_for("store_clerk", HOME), order).content.decode()
    assert Exchange.objects.get().difference == 0
    assert "no difference to pay" in done and "no card on file" not in done


def test_a_cheaper_replacement_gives_the_difference_back_in_cash(story):
    order = walk_in_sale("cash")
    priced_l("30.00")  # 34.50 with IVA: 5.64 back
    exchange(client_for("store_clerk", HOME), order)
    found = Exchange.objects.get()
    assert found.difference == Decimal("-5.64")
    back = order.payments.filter(kind=Payment.Kind.REFUND, amount=Decimal("5.64")).get()
    assert (back.method_label, back.status) == ("cash", "refunded")


def test_a_sale_paid_at_the_till_leaves_the_difference_due_at_the_till(story):
    order = sale(story.customer_id, payment=PaymentIn(in_store="till"))
    priced_l("40.00")
    exchange(client_for("store_clerk", HOME), order)
    found = Exchange.objects.get()
    due = found.replacement.payments.order_by("id").last()
    assert due is not None
    assert (due.method_label, due.reference, due.amount) == (
        "till",
        f"unpaid:{found.replacement.number}",
        Decimal("5.86"),
    )


def test_a_card_not_on_file_pays_the_difference_with_a_new_card_from_the_hosted_form(story):
    clerk = client_for("store_clerk", HOME)
    order = walk_in_sale("cash")
    Payment.objects.filter(order=order).update(method_label="visa ···4242")  # typed, not kept
    priced_l("40.00")
    refused = exchange(clerk, order).content.decode()
    assert "The exchange was not made" in refused and not Exchange.objects.exists()

    to_form = exchange(clerk, order, pay="new_card")
    form_url = to_form.redirect_chain[-1][0]
    assert "/store/test-gateway/card/" in form_url
    back = clerk.post(form_url, {"card_number": "5555 5555 5555 4444"})
    page = clerk.get(back.url).content.decode()
    assert "With the new card mastercard ···4444" in page and not Exchange.objects.exists()
    hosted = dict(re.findall(r'name="(hosted_card|order)" value="([^"]*)"', page))
    assert hosted["hosted_card"] == parse_qs(urlsplit(back.url).query)["hosted_card"][0]
    line = order.lines.get()
    assert f'<option value="{SHIRT_L}" selected' in page and 'value="1"' in page
    exchange(clerk, order, pay="new_card", hosted_card=hosted["hosted_card"])
    found = Exchange.objects.get()
    card = found.replacement.payments.get(method_label="mastercard ···4444")
    assert (card.amount, card.status) == (Decimal("5.86"), "captured")  # taken as handed over
    assert line.sku == SHIRT_S
