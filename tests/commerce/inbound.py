"""What the tests of inbound commerce events share: events as other systems send them, orders
in a known state, a gateway that remembers its calls, and a picture of everything written."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any, ClassVar

import pytest

from lealtad.channels.models import ExternalSystem, ReceivedEvent
from lealtad.commerce import demo
from lealtad.commerce.gateway import GatewayResult, TestGateway
from lealtad.commerce.models import Exchange, Order, Payment, Return, Shipment, Stock
from lealtad.core.models import AuditEntry, OutboxMessage
from lealtad.customers.models import Interaction
from tests.api_fixtures import post_events

POS = "pos_tiendas_sur"  # a chain's own point of sale, not on Lealtad: an external system
_ids = itertools.count(1)


class SpyGateway(TestGateway):
    """The test gateway, remembering every call that moves money on a card."""

    calls: ClassVar[list[tuple[str, str, Decimal]]] = []

    def authorize(self, token: str, amount: Decimal, currency: str, key: str) -> GatewayResult:
        self.calls.append(("authorize", key, amount))
        return super().authorize(token, amount, currency, key)

    def capture(
        self, reference: str, amount: Decimal, key: str = "", final: bool = False
    ) -> GatewayResult:
        self.calls.append(("capture", reference, amount))
        return super().capture(reference, amount, key, final)

    def refund(self, reference: str, amount: Decimal, key: str) -> GatewayResult:
        self.calls.append(("refund", reference, amount))
        return super().refund(reference, amount, key)


@pytest.fixture
def spy(settings: Any) -> type[SpyGateway]:
    settings.LEALTAD_PAYMENT_GATEWAY = "tests.commerce.inbound.SpyGateway"
    SpyGateway.calls = []
    return SpyGateway


@pytest.fixture
def pos(db: Any) -> str:
    ExternalSystem.objects.create(name=POS, description="POS de las tiendas del sur")
    return POS


def event(type_: str, payload: dict[str, Any], channel: str = POS, **envelope: Any) -> dict:
    found = {
        "id": f"{channel}-{next(_ids)}",
        "type": type_,
        "channel": channel,
        "occurred_at": "2026-11-20T16:30:00-05:00",
        "customer": {"email": demo.CUSTOMER["email"]},
        "payload": payload,
    }
    found.update(envelope)
    return found


def send(api: Any, *events: dict[str, Any]) -> dict[str, Any]:
    response = post_events(api, list(events))
    assert response.status_code == 200, response.content
    answer: dict[str, Any] = response.json()
    return answer


def post(client: Any, url: str, body: Any) -> Any:
    return client.post(url, body, content_type="application/json")


def place(api: Any, story: demo.Story, sku: str, **overrides: Any) -> dict[str, Any]:
    """A web order of one unit shipped home, paid with the card on file."""
    body = {
        "customer_id": story.customer_id,
        "channel": "web",
        "lines": [{"sku": sku, "quantity": 1}],
        "fulfilment": "ship",
        "ship_address_kind": "home",
        "payment": {"on_file": True},
        **overrides,
    }
    response = post(api, "/api/v1/orders", body)
    assert response.status_code == 201, response.content
    placed: dict[str, Any] = response.json()
    return placed


def delivered(api: Any, story: demo.Story, sku: str) -> dict[str, Any]:
    """A web order of one unit shipped home and delivered."""
    order = place(api, story, sku)
    post(api, f"/api/v1/orders/{order['number']}/ship", {})
    api.post(f"/api/v1/orders/{order['number']}/deliver")
    return order


def units(sku: str, location: str) -> tuple[int, int]:
    """(on hand, reserved) of a SKU at a location."""
    row = Stock.objects.filter(variant__sku=sku, location__code=location).first()
    return (row.on_hand, row.reserved) if row else (0, 0)


def snapshot() -> tuple:
    """Everything an inbound commerce event may write."""
    return (
        sorted(Order.objects.values_list("id", "status", "placed_at")),
        sorted(Payment.objects.values_list("id", "status", "amount", "refunded", "reference")),
        Return.objects.count(),
        Exchange.objects.count(),
        sorted(Shipment.objects.values_list("id", "status")),
        AuditEntry.objects.count(),
        OutboxMessage.objects.count(),
        Interaction.objects.count(),
        ReceivedEvent.objects.count(),
        sorted(Stock.objects.values_list("id", "on_hand", "reserved")),
    )


def errors(answer: dict[str, Any], index: int = 0) -> dict[str, str]:
    """A rejected event's errors, by field path."""
    result = answer["results"][index]
    assert result["status"] == "rejected", result
    return {e["field"]: e["message"] for e in result["errors"]}


def announced(event_type: str) -> list[dict[str, Any]]:
    return [m.payload for m in OutboxMessage.objects.filter(event_type=event_type).order_by("id")]
