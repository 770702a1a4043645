"""Event types the commerce context owns, the 360 section it fills, and its subscribers.

Outbound (published in the business transaction, delivered by the hub to every subscriber):
``order.placed``, ``order.shipped`` (one per shipment), ``shipment.delivered``,
``order.delivered``, ``order.completed``, ``order.cancelled``, ``order.returned``,
``order.exchanged``, ``order.price_adjusted``, ``payment.authorized``, ``payment.captured``,
``payment.refunded``, ``payment_method.added``, ``cart.checked_out``, ``transfer.requested``,
``transfer.shipped``, ``transfer.received``, ``transfer.cancelled``, ``stock.levels_changed``
(one per batch of levels another system counted: :mod:`.services.stock_levels`).

Inbound (external channels ``POST /api/v1/events``), each against an order by Lealtad's
number or the channel's ``order_ref`` (but ``order.placed``, which makes one):

* ``order.placed``: an order another channel took, with the payment it took;
* ``order.shipped``: all of the order, or the ``lines`` of one partial shipment, left;
* ``shipment.delivered`` (one shipment, by ``tracking``) and ``order.delivered`` (everything
  shipped) from a fulfilment house;
* ``order.returned``: goods brought back at a location, restocked there and refunded;
* ``order.exchanged``: goods brought back and replacements taken at a channel not on Lealtad,
  applied by the same exchange operation as Lealtad's own (linked return and replacement order,
  stock moved, one step on the timeline); the difference is recorded as the channel settled it;
* ``payment.captured`` / ``payment.refunded``: money a billing system or a POS took or gave
  back for an order, recorded as its payment, never sent to the card gateway.

Payloads are checked against the catalog, the locations and the orders while validating, so an
unknown SKU, location or order, or more than can come back, be paid or be given back, rejects
the event with its field path (``payload.returns.0.quantity``) and writes nothing. A repeat (the
same event id; for an exchange also the channel's ``exchange_ref``, for a payment its
``reference``; a delivery already recorded) changes nothing. ``shipment.status_reported``
(:mod:`lealtad.channels.connectors.owned_events`) keeps the fulfilment house's own tracking of
its shipments; ``shipment.delivered`` is what moves a Lealtad order to delivered.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel

from lealtad.commerce import presenters, selectors
from lealtad.commerce.models import Order, Shipment
from lealtad.commerce.schemas import (
    OrderDeliveredEvent,
    OrderExchangedEvent,
    OrderPlacedEvent,
    OrderRef,
    OrderReturnedEvent,
    OrderShippedEvent,
    PaymentCapturedEvent,
    PaymentRefundedEvent,
    ReturnIn,
    ShipIn,
    ShipmentDeliveredEvent,
)
from lealtad.commerce.selectors import inbound as selectors_inbound
from lealtad.commerce.selectors import operations as selectors_operations
from lealtad.commerce.services import (
    Conflict,
    SaleContext,
    exchanges,
    external_payments,
    gateway_calls,
    merges,
    shipments,
    stock_levels,
)
from lealtad.commerce.services import orders as order_services
from lealtad.commerce.services import returns as return_services
from lealtad.core import envelope, hub, sections, stock_port
from lealtad.core.audit import Actor
from lealtad.core.envelope import ValidEvent
from lealtad.customers import services as customer_services


@sections.provide("orders")
def orders_section(customer_id: int, capabilities: frozenset[Any]) -> list[dict[str, Any]]:
    """Purchase history and open orders, newest first, with shipments, returns and exchanges
    (an exchange shows on the order it came from and on its replacement)."""
    orders = selectors.customer_orders(customer_id)
    selectors_operations.exchanges_of(orders)
    return [presenters.order_row(o) for o in orders]


def _customer_for(event: ValidEvent, actor: Actor) -> int:
    """Who the event is about: the owner of its most trusted key, or a new customer."""
    ctx = customer_services.ChangeContext(actor, event.envelope.id, event.envelope.channel)
    return customer_services.customer_for(event.envelope.customer, ctx)


def apply_order_events(events: Sequence[ValidEvent], actor: Actor) -> list[int]:
    """Apply inbound commerce events in order; one customer id per event."""
    ids = []
    for event in events:
        env, payload = event.envelope, event.payload
        ctx = SaleContext(actor, env.channel, env.id)
        if isinstance(payload, OrderPlacedEvent):
            customer_id = _customer_for(event, actor)
            order = order_services.record_external_order(customer_id, payload, ctx, env.occurred_at)
            ids.append(order.customer_id)
            continue
        assert isinstance(payload, OrderRef)
        found = selectors.find_order(payload.order)
        assert found is not None, "the payload schema checked the order exists"
        _APPLIERS[type(payload)](found, event, ctx)
        ids.append(found.customer_id)
    return ids


def _ship(order: Order, event: ValidEvent, ctx: SaleContext) -> None:
    payload = event.payload
    assert isinstance(payload, OrderShippedEvent)
    shipments.ship_order(
        order,
        ShipIn(
            carrier=payload.carrier,
            tracking=payload.tracking,
            lines=payload.lines,
            idempotency_key=f"event:{event.envelope.id}",
        ),
        ctx,
    )


def _take_back(order: Order, event: ValidEvent, ctx: SaleContext) -> None:
    payload = event.payload
    assert isinstance(payload, OrderReturnedEvent)
    # Checked by the event's schema; the channel may be an external system's, which ReturnIn
    # (Lealtad's own channels) would refuse.
    data = ReturnIn.model_construct(
        channel=event.envelope.channel,
        location=payload.location,
        reason=payload.reason,
        lines=payload.lines,
        restock=True,
        idempotency_key=f"event:{event.envelope.id}",
    )
    return_services.take_return(order, data, ctx)


def _exchange(order: Order, event: ValidEvent, ctx: SaleContext) -> None:
    payload = event.payload
    assert isinstance(payload, OrderExchangedEvent)
    exchanges.record_external_exchange(order, payload, ctx, event.envelope.occurred_at)


def _captured(order: Order, event: ValidEvent, ctx: SaleContext) -> None:
    payload = event.payload
    assert isinstance(payload, PaymentCapturedEvent)
    external_payments.record_capture(order, payload, ctx, event.envelope.occurred_at)


def _refunded(order: Order, event: ValidEvent, ctx: SaleContext) -> None:
    payload = event.payload
    assert isinstance(payload, PaymentRefundedEvent)
    external_payments.record_refund(order, payload, ctx)


def _shipment_delivered(order: Order, event: ValidEvent, ctx: SaleContext) -> None:
    """A report of a shipment delivered already (a fulfilment house sends its news more than
    once, sometimes twice at the same moment) changes nothing."""
    payload = event.payload
    assert isinstance(payload, ShipmentDeliveredEvent)

    def on_its_way() -> bool:
        shipment = selectors_inbound.shipment_by_tracking(order, payload.tracking)
        return shipment is not None and shipment.status == Shipment.Status.SHIPPED

    _deliver(order, ctx, on_its_way, payload.tracking)


def _order_delivered(order: Order, event: ValidEvent, ctx: SaleContext) -> None:
    """Delivers every shipment on its way; an order delivered already stays as it is."""

    def on_its_way() -> bool:
        order.refresh_from_db(fields=["status"])
        shippable = (Order.Status.SHIPPED, Order.Status.PARTLY_SHIPPED)
        return order.status in shippable and selectors_inbound.on_the_way(order)

    _deliver(order, ctx, on_its_way)


def _deliver(
    order: Order, ctx: SaleContext, on_its_way: Callable[[], bool], tracking: str | None = None
) -> None:
    if not on_its_way():
        return
    try:
        shipments.deliver_order(order, ctx, tracking)
    except Conflict:
        if on_its_way():  # not delivered by a repeat of this report meanwhile: a real refusal
            raise


_APPLIERS: dict[type[BaseModel], Callable[[Order, ValidEvent, SaleContext], None]] = {
    OrderShippedEvent: _ship,
    OrderReturnedEvent: _take_back,
    OrderExchangedEvent: _exchange,
    PaymentCapturedEvent: _captured,
    PaymentRefundedEvent: _refunded,
    ShipmentDeliveredEvent: _shipment_delivered,
    OrderDeliveredEvent: _order_delivered,
}


# The stock levels other systems report reach this context through the core (channels
# applies the reports and cannot import commerce: docs/decisions/0008).
stock_port.provide(stock_levels)

envelope.register(
    "order.placed",
    OrderPlacedEvent,
    apply_order_events,
    "An order another channel took: lines by SKU, fulfilment, location, the payment it took.",
)
envelope.register(
    "order.shipped",
    OrderShippedEvent,
    apply_order_events,
    "A fulfilment house shipped an order, or with lines part of it (by Lealtad number or the "
    "channel's order_ref).",
)
envelope.register(
    "order.returned",
    OrderReturnedEvent,
    apply_order_events,
    "Goods of an order brought back at a location, with the reason: restocked and refunded.",
)
envelope.register(
    "order.exchanged",
    OrderExchangedEvent,
    apply_order_events,
    "A channel not on Lealtad exchanged goods of an order: the lines given back (reason, "
    "location, restock), the replacements taken, and how it settled the difference.",
)
envelope.register(
    "payment.captured",
    PaymentCapturedEvent,
    apply_order_events,
    "A billing system or a POS took money for an order: recorded as its payment.",
)
envelope.register(
    "payment.refunded",
    PaymentRefundedEvent,
    apply_order_events,
    "A billing system or a POS gave money of an order back: recorded as its refund.",
)
envelope.register(
    "shipment.delivered",
    ShipmentDeliveredEvent,
    apply_order_events,
    "A fulfilment house delivered one shipment of an order (by its tracking number).",
)
envelope.register(
    "order.delivered",
    OrderDeliveredEvent,
    apply_order_events,
    "A fulfilment house delivered everything shipped of an order.",
)


@hub.subscriber("customer.merged", "customer.merged_batch", name="commerce.follow_merge")
def follow_customer_merge(message: hub.Message) -> None:
    """Orders, returns, cards on file and lists follow a customer merge (a dedupe announces
    its merges in batches: followed set-based)."""
    payload = message.payload
    if message.event_type == "customer.merged_batch":
        merges.follow_merges(payload["merges"])
        return
    merges.follow_merge(payload["merge_id"], payload["survivor_id"], payload["absorbed_id"])


@hub.subscriber("customer.unmerged", name="commerce.follow_unmerge")
def follow_customer_unmerge(message: hub.Message) -> None:
    merges.follow_unmerge(message.payload["merge_id"])


@hub.subscriber(*gateway_calls.REQUESTS, name="commerce.gateway_calls", transactional=False)
def make_gateway_call(message: hub.Message) -> None:
    """The card-gateway call a committed use case asked for (a capture, a void, a refund),
    made again if the process stopped before making it: idempotent by the call's key."""
    gateway_calls.make_requested(message.payload)
