"""A cart checks out into an order through the same placement path as every other order.

Nothing is carried over from when the items were put in the cart but the SKUs and quantities:
prices, promotions and tax are quoted again at checkout, and stock is reserved then. A cart
becomes one order: checking it out again answers that order, and it can no longer change.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from pydantic import ValidationError

from lealtad.commerce.models import CustomerList, Order
from lealtad.commerce.schemas import CheckoutIn, LineIn, OrderIn
from lealtad.commerce.services import gateway_calls
from lealtad.commerce.services.common import Conflict, Invalid, SaleContext
from lealtad.commerce.services.orders import cancel_order, place_order


@gateway_calls.after_commit()
def checkout(cart: CustomerList, data: CheckoutIn, ctx: SaleContext) -> tuple[Order, bool]:
    """Place the cart's order; ``(order, False)`` when it was already checked out.

    The order is placed first, by the placement path that authorizes the card before its
    transaction (the cart's key, ``cart:<id>``, makes a retry the same order), then the cart
    is tied to it in a transaction of its own: no card is authorized while the cart is locked.
    Two checkouts of one cart under different keys at once: the second's order is cancelled
    and the first answers."""
    if cart.kind != CustomerList.Kind.CART:
        raise Conflict(f"a {cart.kind} is not checked out; only a cart is")
    done = CustomerList.objects.filter(pk=cart.pk).values_list("order", flat=True).first()
    if done is not None:
        return Order.objects.get(pk=done), False
    order, created = place_order(_order_in(cart, data), ctx)
    with transaction.atomic():
        cart = CustomerList.objects.select_for_update().get(pk=cart.pk)
        if cart.order_id is not None and cart.order_id != order.pk:
            cancel_order(order, "the cart was checked out by another request", ctx)
            return Order.objects.get(pk=cart.order_id), False
        if cart.order_id is None:
            now = timezone.now()
            CustomerList.objects.filter(pk=cart.pk).update(order=order, checked_out_at=now)
            _told(cart, order, ctx)
    return order, created


def _told(cart: CustomerList, order: Order, ctx: SaleContext) -> None:
    ctx.audit(
        "checkout_cart",
        "cart",
        cart.pk,
        {"order": [None, order.number], "total": [None, order.total]},
        order.customer_id,
    )
    ctx.announce(
        "cart.checked_out",
        f"LIST-{cart.pk}",
        order.customer_id,
        {"list": cart.pk, "order": order.number, "total": order.total},
    )


def _order_in(cart: CustomerList, data: CheckoutIn) -> OrderIn:
    items = list(cart.items.select_related("variant").order_by("id"))
    if not items:
        raise Conflict("the cart is empty")
    try:
        return OrderIn(
            customer_id=cart.customer_id,
            channel=data.channel or cart.channel or "web",
            lines=[LineIn(sku=item.variant.sku, quantity=item.quantity) for item in items],
            fulfilment=data.fulfilment,
            ship_address_id=data.ship_address_id,
            ship_address_kind=data.ship_address_kind,
            pickup_location=data.pickup_location,
            origin_location=data.origin_location,
            payment=data.payment,
            coupon=data.coupon,
            idempotency_key=data.idempotency_key or f"cart:{cart.pk}",
        )
    except ValidationError as exc:
        raise Invalid(
            "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
        ) from exc
