"""Event types the commerce context owns, the 360 section it fills, and its subscribers.

Outbound (published in the business transaction, delivered by the hub to every subscriber):
``order.placed``, ``order.shipped`` (one per shipment), ``shipment.delivered``,
``order.delivered``, ``order.completed``, ``order.cancelled``, ``order.returned``,
``order.exchanged``, ``order.price_adjusted``, ``payment.authorized``, ``payment.captured``,
``payment.refunded``, ``payment_method.added``, ``cart.checked_out``, ``transfer.requested``,
``transfer.shipped``, ``transfer.received``, ``transfer.cancelled``, ``stock.levels_changed``
(one per batch of levels another system counted: :mod:`.services.stock_levels`).

Inbound (external channels ``POST /api/v1/events``): ``order.placed``, ``order.shipped`` (all
of the order, or the ``lines`` of one partial shipment) and ``order.returned``; payloads are
checked against the catalog and the orders while validating, so an unknown SKU, location or
order rejects the event with its field path and writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lealtad.commerce import presenters, selectors, selectors_operations
from lealtad.commerce.schemas import (
    OrderPlacedEvent,
    OrderReturnedEvent,
    OrderShippedEvent,
    ReturnIn,
    ShipIn,
)
from lealtad.commerce.services import SaleContext, merges, shipments
from lealtad.commerce.services import orders as order_services
from lealtad.commerce.services import returns as return_services
from lealtad.core import envelope, hub, sections
from lealtad.core.audit import Actor
from lealtad.core.envelope import ValidEvent
from lealtad.customers import identity
from lealtad.customers import services as customer_services
from lealtad.customers.schemas import CustomerProfile


@sections.provide("orders")
def orders_section(customer_id: int, capabilities: frozenset[Any]) -> list[dict[str, Any]]:
    """Purchase history and open orders, newest first, with shipments, returns and exchanges
    (an exchange shows on the order it came from and on its replacement)."""
    orders = selectors.customer_orders(customer_id)
    selectors_operations.exchanges_of(orders)
    return [presenters.order_row(o) for o in orders]


def _customer_for(event: ValidEvent, actor: Actor) -> int:
    """Who the event is about: the owner of its most trusted key, or a new customer."""
    ref = event.envelope.customer
    keys = identity.keys_of(ref)
    found = identity.resolve(keys, identity.find_owners(keys))
    if found.customer_id is not None:
        return found.customer_id
    ctx = customer_services.ChangeContext(actor, event.envelope.id, event.envelope.channel)
    return customer_services.create_customer(CustomerProfile(), ref, ctx).pk


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
        assert isinstance(payload, OrderShippedEvent | OrderReturnedEvent)
        found = selectors.find_order(payload.order)
        assert found is not None, "the payload schema checked the order exists"
        if isinstance(payload, OrderShippedEvent):
            shipments.ship_order(
                found,
                ShipIn(
                    carrier=payload.carrier,
                    tracking=payload.tracking,
                    lines=payload.lines,
                    idempotency_key=f"event:{env.id}",
                ),
                ctx,
            )
        else:
            return_services.take_return(
                found,
                ReturnIn(
                    channel=env.channel,
                    location=payload.location,
                    reason=payload.reason,
                    lines=payload.lines,
                    idempotency_key=f"event:{env.id}",
                ),
                ctx,
            )
        ids.append(found.customer_id)
    return ids


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
