"""Inbound events other systems report against an order: exchanges, payments and deliveries,
each checked against the order's state with the field path of what is wrong."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

from pydantic import (
    Field,
    ValidationError,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from lealtad.commerce import returnable
from lealtad.core.text_schema import NOT_BLANK, THREE_OR_MORE

if TYPE_CHECKING:
    from lealtad.commerce.models import Order
from lealtad.commerce.schemas.common import Fulfilment
from lealtad.commerce.schemas.inbound import InboundAddress, InboundPayment, OrderRef
from lealtad.commerce.schemas.requests import LineIn, ReturnLineIn

# Inbound: exchanges, payments and deliveries other systems report --------------------------

Refusal = tuple[tuple[str | int, ...], str]  # (the payload field's path, what is wrong)


def _refused(problems: list[Refusal]) -> ValidationError:
    """One error per problem, each at its field's path (``returns.1.quantity``): a check that
    reads the order knows which line is wrong, which a plain ``ValueError`` cannot say."""
    return ValidationError.from_exception_data(
        "payload",
        [
            InitErrorDetails(
                type=PydanticCustomError("value_error", "{reason}", {"reason": reason}),
                loc=where,
                input=None,
            )
            for where, reason in problems
        ],
    )


Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
Amount = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=2)]


class OrderExchangedEvent(OrderRef):
    """``order.exchanged`` from a channel not on Lealtad (a store's own POS): goods of an order
    given back and replacements taken, in one operation, the price difference settled there.

    Applied by the same exchange operation as Lealtad's own: the goods go back on the
    receiving location's shelf, the replacements become an order priced by Lealtad's policy
    (stock reserved where there is some, never oversold), the returned goods' value pays for
    them, and the difference is recorded as the channel's own payment or refund (``settlement``),
    never sent to the card gateway.
    """

    exchange_ref: str = Field(
        default="",
        max_length=80,
        description="the channel's number of the exchange: sent again under another event id, "
        "it is recognised and changes nothing",
    )
    location: str = Field(
        min_length=1, pattern=NOT_BLANK, max_length=40, description="where the goods came back"
    )
    reason: str = Field(min_length=3, pattern=THREE_OR_MORE, max_length=250)
    returns: list[ReturnLineIn] = Field(min_length=1, max_length=100)
    restock: bool = True
    replacements: list[LineIn] = Field(min_length=1, max_length=100)
    fulfilment: Fulfilment = "take_now"
    ship_to: InboundAddress | None = None
    settlement: InboundPayment | None = Field(
        default=None, description="how the channel charged or refunded the difference"
    )

    def key(self, order_number: str, event_id: str) -> str:
        """The exchange's idempotency key: the channel's number, else the event's id."""
        if self.exchange_ref:
            return f"ref:{order_number}:{self.exchange_ref}"
        return f"event:{event_id}"

    @model_validator(mode="after")
    def _exchangeable(self) -> OrderExchangedEvent:
        from lealtad.commerce import selectors
        from lealtad.commerce.selectors import inbound as selectors_inbound

        order = selectors.find_order(self.order)
        if order is None:
            return self
        if self.exchange_ref:
            made = selectors_inbound.exchange_by_key(self.key(order.number, ""))
            if made is not None:  # a repeat: answered with the exchange made the first time
                return self
        problems: list[Refusal] = []
        if order.status not in selectors_inbound.RETURNABLE:
            problems.append(
                (("order",), f"order {order.number} is {order.status}: nothing to exchange yet")
            )
        if not selectors.location_codes([self.location]):
            problems.append((("location",), f"unknown location {self.location}"))
        returned = _returnable(order, self.returns)
        problems += returned or _creditable(order, self.returns)
        problems += _sellable(order.currency, self.replacements)
        if self.fulfilment == "ship" and self.ship_to is None:
            problems.append((("ship_to",), "a shipped replacement needs ship_to"))
        if problems:
            raise _refused(problems)
        return self


def _returnable(order: Order, lines: list[ReturnLineIn]) -> list[Refusal]:
    """Each line's SKU is on the order and no more comes back than was received."""
    on_order = {line.sku: line for line in order.lines.all()}
    return [
        (("returns", e.index, "sku"), f"{e.sku} is not on order {order.number}")
        if e.left is None
        else (("returns", e.index, "quantity"), f"{e.sku}: at most {e.left} can come back")
        for e in returnable.excess(on_order, lines)
    ]


def _creditable(order: Order, lines: list[ReturnLineIn]) -> list[Refusal]:
    """What the goods coming back were paid is still on the order's payments (a price
    adjustment may have given some back): it pays for the replacements or goes back."""
    from lealtad.commerce.selectors import inbound as selectors_inbound

    by_sku = {line.sku: line for line in order.lines.all()}
    worth = sum(
        (
            returnable.paid_for(by_sku[sku], q, by_sku[sku].returned)
            for sku, q in returnable.wanted(lines).items()
        ),
        Decimal("0.00"),
    )
    charges = selectors_inbound.refundable_charges(order)
    left = sum((c.amount - c.refunded for c in charges), Decimal("0.00"))
    if worth <= left:
        return []
    return [
        (
            ("returns",),
            f"these goods were paid {worth} {order.currency}, but only {left} of order "
            f"{order.number}'s payments is left to give back",
        )
    ]


def _sellable(currency: str, lines: list[LineIn]) -> list[Refusal]:
    """Each replacement is in the catalog, at a known location, in the order's currency."""
    from lealtad.commerce import selectors

    items = selectors.sale_items(line.sku for line in lines)
    places = selectors.location_codes(line.location for line in lines if line.location)
    problems: list[Refusal] = []
    for i, line in enumerate(lines):
        item = items.get(line.sku)
        if item is None:
            problems.append((("replacements", i, "sku"), f"unknown SKU {line.sku}"))
        elif item.currency != currency:
            problems.append(
                (
                    ("replacements", i, "sku"),
                    f"{line.sku} is sold in {item.currency}, the order was paid in {currency}",
                )
            )
        if line.location and line.location not in places:
            problems.append((("replacements", i, "location"), f"unknown location {line.location}"))
    return problems


class PaymentCapturedEvent(OrderRef):
    """``payment.captured`` from a billing system or a POS: money it took for an order.

    Recorded as that system's payment on the order (never through the card gateway); an order
    another channel took without saying how it was paid is settled by it.
    """

    reference: str = Field(
        min_length=1, pattern=NOT_BLANK, max_length=120, description="the system's reference"
    )
    amount: Amount
    currency: Currency | None = Field(default=None, description="default: the order's")
    method: str = Field(default="", max_length=80, description="cash, card, transfer… as said")

    @model_validator(mode="after")
    def _due(self) -> PaymentCapturedEvent:
        from lealtad.commerce import selectors
        from lealtad.commerce.selectors import inbound as selectors_inbound

        order = selectors.find_order(self.order)
        if order is None or selectors_inbound.reported_payment(order, "charge", self.reference):
            return self
        problems: list[Refusal] = []
        if order.status == "cancelled":
            problems.append((("order",), f"order {order.number} is cancelled"))
        if self.currency and self.currency != order.currency:
            problems.append((("currency",), f"order {order.number} is in {order.currency}"))
        due = selectors_inbound.amount_due(order)
        if self.amount > due:
            problems.append(
                (("amount",), f"at most {due} {order.currency} is due on order {order.number}")
            )
        if problems:
            raise _refused(problems)
        return self


class PaymentRefundedEvent(OrderRef):
    """``payment.refunded`` from a billing system or a POS: money it gave back for an order.

    Recorded as that system's refund against the order's payments (the one named by
    ``payment``, else oldest first), never sent to the card gateway.
    """

    reference: str = Field(
        min_length=1, pattern=NOT_BLANK, max_length=120, description="the system's reference"
    )
    amount: Amount
    currency: Currency | None = Field(default=None, description="default: the order's")
    method: str = Field(default="", max_length=80)
    payment: str = Field(
        default="", max_length=120, description="the reference of the payment it gave back"
    )

    @model_validator(mode="after")
    def _refundable(self) -> PaymentRefundedEvent:
        from lealtad.commerce import selectors
        from lealtad.commerce.selectors import inbound as selectors_inbound

        order = selectors.find_order(self.order)
        if order is None or selectors_inbound.reported_payment(order, "refund", self.reference):
            return self
        problems: list[Refusal] = []
        if self.currency and self.currency != order.currency:
            problems.append((("currency",), f"order {order.number} is in {order.currency}"))
        if self.payment and not selectors_inbound.has_charge(order, self.payment):
            problems.append((("payment",), f"no payment {self.payment} on order {order.number}"))
        else:
            charges = selectors_inbound.refundable_charges(order, self.payment)
            left = sum((c.amount - c.refunded for c in charges), Decimal("0.00"))
            if self.amount > left:
                problems.append((("amount",), f"at most {left} {order.currency} can be given back"))
        if problems:
            raise _refused(problems)
        return self


class ShipmentDeliveredEvent(OrderRef):
    """``shipment.delivered`` from a fulfilment house: the shipment with this tracking number
    reached the customer (the order is delivered once all of it is)."""

    tracking: str = Field(min_length=1, pattern=NOT_BLANK, max_length=120)

    @model_validator(mode="after")
    def _on_its_way(self) -> ShipmentDeliveredEvent:
        from lealtad.commerce import selectors
        from lealtad.commerce.selectors import inbound as selectors_inbound

        order = selectors.find_order(self.order)
        if order is None:
            return self
        shipment = selectors_inbound.shipment_by_tracking(order, self.tracking)
        if shipment is None:
            raise _refused(
                [(("tracking",), f"no shipment {self.tracking} of order {order.number}")]
            )
        if shipment.status == "shipped" and order.status not in ("shipped", "partly_shipped"):
            raise _refused(
                [(("order",), f"order {order.number} is {order.status}: it cannot be delivered")]
            )
        return self


class OrderDeliveredEvent(OrderRef):
    """``order.delivered`` from a fulfilment house: everything shipped of the order reached
    the customer."""

    @model_validator(mode="after")
    def _all_shipped(self) -> OrderDeliveredEvent:
        from lealtad.commerce import selectors

        order = selectors.find_order(self.order)
        if order is None:
            return self
        if order.fulfilment != "ship":
            reason = f"order {order.number} is not shipped: it is {order.fulfilment}"
        elif order.status in ("placed", "cancelled"):
            reason = f"order {order.number} is {order.status}: nothing was shipped"
        elif order.status == "partly_shipped":
            reason = (
                f"order {order.number} is partly shipped: report each shipment that arrived "
                "with shipment.delivered"
            )
        else:
            return self
        raise _refused([(("order",), reason)])
