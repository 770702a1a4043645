"""No card-gateway call runs while a transaction is open: authorize before, capture, void and
refund after the commit, through the outbox, idempotent by their keys.

These tests run without the test case's wrapping transaction (``transaction=True``), so
``connection.in_atomic_block`` is true exactly when a use case holds one, and the gateway
below fails the request if it is called then.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from lealtad.commerce import demo
from lealtad.commerce import gateway as gateways
from lealtad.commerce.models import Payment
from lealtad.core.dispatcher import OutboxDispatcher
from lealtad.core.models import OutboxMessage
from tests.commerce.test_shipments import place, post

pytestmark = pytest.mark.django_db(transaction=True)

HOME, OFFICE = demo.STORE_HOME, demo.STORE_OFFICE


class _OutsideOnlyGateway(gateways.TestGateway):
    """The test gateway, refusing to be called inside a transaction, noting every call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, bool]] = []
        self.capture_keys: list[str] = []

    def _note(self, kind: str) -> None:
        inside = connection.in_atomic_block
        self.calls.append((kind, inside))
        assert not inside, f"gateway {kind} called inside a transaction"

    def tokenize(self, card_number: str) -> Any:
        self._note("tokenize")
        return super().tokenize(card_number)

    def authorize(self, token: str, amount: Decimal, currency: str, key: str) -> Any:
        self._note("authorize")
        return super().authorize(token, amount, currency, key)

    def capture(self, reference: str, amount: Decimal, key: str = "", final: bool = False) -> Any:
        self._note("capture")
        self.capture_keys.append(key)
        return super().capture(reference, amount, key, final)

    def void(self, reference: str) -> None:
        self._note("void")

    def refund(self, reference: str, amount: Decimal, key: str) -> Any:
        self._note("refund")
        return super().refund(reference, amount, key)

    def kinds(self) -> list[str]:
        return [kind for kind, _inside in self.calls]


@pytest.fixture
def outside(monkeypatch: pytest.MonkeyPatch) -> _OutsideOnlyGateway:
    spy = _OutsideOnlyGateway()
    monkeypatch.setattr(gateways, "gateway", lambda: spy)
    return spy


def _ok(response: Any) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.content
    return response.json()


def test_every_money_move_of_an_order_reaches_the_gateway_outside_a_transaction(
    api, story, outside
):
    card = {"card_number": "5555 5555 5555 4444", "label": "otra"}
    _ok(post(api, f"/api/v1/customers/{story.customer_id}/payment-methods", card))
    order = place(api, story, [{"sku": demo.TROUSERS_32, "quantity": 2}])
    number = order["number"]
    one = [{"sku": demo.TROUSERS_32, "quantity": 1}]
    _ok(post(api, f"/api/v1/orders/{number}/ship", {"lines": one}))
    _ok(post(api, f"/api/v1/orders/{number}/ship", {"lines": []}))
    _ok(api.post(f"/api/v1/orders/{number}/deliver"))
    back = {"channel": "pos", "location": HOME, "reason": "no le queda"}
    _ok(post(api, f"/api/v1/orders/{number}/returns", {**back, "lines": one}))
    adjustment = {"amount": "1.00", "reason": "bajó de precio", "channel": "call_center"}
    _ok(post(api, f"/api/v1/orders/{number}/price-adjustments", adjustment))
    cancelled = place(
        api,
        story,
        [{"sku": demo.TROUSERS_32, "quantity": 1}],
        payment={"card_number": "4000 0000 0000 0077"},
    )
    _ok(api.post(f"/api/v1/orders/{cancelled['number']}/cancel"))
    taken = place(
        api,
        story,
        [{"sku": demo.TROUSERS_32, "quantity": 1}],
        fulfilment="take_now",
        pickup_location=OFFICE,
        ship_address_kind=None,
    )
    assert outside.kinds() == [
        "tokenize",
        "authorize",
        "capture",
        "capture",
        "refund",
        "refund",
        "tokenize",
        "authorize",
        "void",
        "authorize",
        "capture",
    ]
    assert not any(inside for _kind, inside in outside.calls)
    # Each answer is recorded: nothing is left pending at the gateway.
    assert not Payment.objects.filter(status=Payment.Status.PENDING).exists()
    [sale] = _ok(api.get(f"/api/v1/orders/{taken['number']}"))["payments"]
    assert sale["status"] == "captured"
    refunds = Payment.objects.filter(order__number=number, kind="refund").order_by("id")
    assert [r.status for r in refunds] == ["refunded", "refunded"]
    assert all(r.reference.startswith("ref_") for r in refunds)


def test_an_exchange_authorizes_the_difference_before_its_transaction(api, story, outside):
    order = place(api, story, [{"sku": demo.TROUSERS_32, "quantity": 1}])
    _ok(post(api, f"/api/v1/orders/{order['number']}/ship", {"lines": []}))
    made = _ok(
        post(
            api,
            f"/api/v1/orders/{order['number']}/exchanges",
            {
                "channel": "pos",
                "location": OFFICE,
                "reason": "Talla pequeña: cambia por 34",
                "returns": [{"sku": demo.TROUSERS_32, "quantity": 1}],
                "replacements": [{"sku": demo.TROUSERS_34, "quantity": 2}],
            },
        )
    )
    assert Decimal(made["difference"]) > 0
    assert outside.kinds() == ["authorize", "capture", "authorize", "capture"]
    assert not any(inside for _kind, inside in outside.calls)


def test_a_call_the_process_did_not_make_is_made_by_the_outbox_once(api, story, outside):
    """The capture's request is in the outbox: delivered again (the process stopped before
    calling, or a second worker), it calls with the same key and records nothing twice."""
    order = place(api, story, [{"sku": demo.TROUSERS_32, "quantity": 1}])
    _ok(post(api, f"/api/v1/orders/{order['number']}/ship", {"lines": []}))
    [capture] = Payment.objects.filter(order__number=order["number"], authorization__isnull=False)
    assert capture.status == "captured"
    # As if the capture had not been answered when the process stopped.
    Payment.objects.filter(pk=capture.pk).update(status="pending", reference="")
    OutboxMessage.objects.filter(event_type="payment.captured").delete()
    OutboxDispatcher().run_once()
    OutboxDispatcher().run_once()
    capture.refresh_from_db()
    assert capture.status == "captured"
    first, again = outside.capture_keys
    assert first == again  # the same capture at the gateway
    same = gateways.TestGateway().capture(capture.authorization.reference, capture.amount, first)
    assert capture.reference == same.reference
    told = OutboxMessage.objects.filter(event_type="payment.captured")
    assert told.count() == 1
    assert outside.kinds().count("capture") == 2  # the first, and the outbox's one
