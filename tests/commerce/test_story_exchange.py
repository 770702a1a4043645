"""The demo's cross-channel story plays its exchange step as the real exchange operation: the
web trousers that do not fit are exchanged at the store near the office for the next size,
the return and the replacement linked, only the price difference charged to the card."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lealtad.commerce import demo
from lealtad.commerce.models import Exchange, Payment, Stock
from lealtad.customers.models import Interaction

pytestmark = pytest.mark.django_db


def test_the_demo_story_exchanges_the_trousers_in_one_operation():
    text = demo.cross_channel()

    swap = Exchange.objects.select_related("original_order", "replacement", "ret").get()
    assert (swap.original_order.channel, swap.replacement.channel) == ("web", "pos")
    assert swap.ret.exchange_order_id == swap.replacement_id
    assert (swap.returned_value, swap.replacement_value, swap.difference) == (
        Decimal("46.47"),
        Decimal("51.64"),
        Decimal("5.17"),
    )
    assert f"Exchange {swap.number}" in text
    assert "3 orders, 1 return, 1 exchange (1 return linked to its replacement)" in text
    # Money: the trousers' value paid for the new ones, the card charged only the difference.
    paid = swap.replacement.payments.values_list("amount", "status")
    assert sorted(paid) == [(Decimal("5.17"), "captured"), (Decimal("46.47"), "captured")]
    to_card = Payment.objects.filter(kind="refund").exclude(reference__contains=":exchange:")
    assert not to_card.exists()
    # Stock: the 32 back on the office store's shelf, the 34 taken from it.
    office = dict(
        Stock.objects.filter(location__code=demo.STORE_OFFICE).values_list(
            "variant__sku", "on_hand"
        )
    )
    assert (office[demo.TROUSERS_32], office[demo.TROUSERS_34]) == (3, 1)
    # One step on the timeline for the exchange, none for a separate return.
    steps = Interaction.objects.filter(related_type__in=["exchange", "return"])
    assert list(steps.values_list("related_type", "channel")) == [("exchange", "pos")]
