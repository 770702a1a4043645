"""Input schemas of the commerce context (API bodies, page forms and inbound event payloads)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from lealtad.core.envelope import BUILTIN_CHANNELS

Fulfilment = Literal["ship", "pickup", "take_now"]
ListKind = Literal["cart", "shopping_list", "gift_registry"]
AddressKind = Literal["home", "work", "billing", "shipping", "other"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _channel(value: str) -> str:
    if value not in BUILTIN_CHANNELS:
        raise ValueError(f"unknown channel {value!r}")
    return value


Channel = Annotated[str, Field(min_length=1, max_length=40), AfterValidator(_channel)]


class LineIn(_Strict):
    sku: str = Field(min_length=1, max_length=60)
    quantity: int = Field(ge=1, le=1000)
    location: str | None = Field(default=None, max_length=40, description="take stock here")


class PaymentIn(_Strict):
    """How the customer pays: a card on file (by id, or the default one) or a card number."""

    method_id: int | None = None
    on_file: bool = False
    card_number: str | None = Field(default=None, max_length=30)
    save_card: bool = False

    @model_validator(mode="after")
    def _one(self) -> PaymentIn:
        given = sum([self.method_id is not None, self.on_file, bool(self.card_number)])
        if given != 1:
            raise ValueError("give exactly one of method_id, on_file or card_number")
        return self


class OrderIn(_Strict):
    customer_id: int = Field(ge=1)
    channel: Channel
    lines: list[LineIn] = Field(min_length=1, max_length=100)
    fulfilment: Fulfilment
    ship_address_id: int | None = Field(default=None, ge=1)
    ship_address_kind: AddressKind | None = Field(
        default=None, description="ship to the customer's current address of this kind"
    )
    pickup_location: str | None = Field(default=None, max_length=40)
    origin_location: str | None = Field(
        default=None, max_length=40, description="the store where the order is taken"
    )
    payment: PaymentIn
    coupon: str = Field(default="", max_length=40)
    idempotency_key: str | None = Field(default=None, min_length=1, max_length=120)

    @model_validator(mode="after")
    def _fulfilment(self) -> OrderIn:
        if self.fulfilment == "ship":
            if (self.ship_address_id is None) == (self.ship_address_kind is None):
                raise ValueError("shipping needs ship_address_id or ship_address_kind")
        elif not self.pickup_location:
            raise ValueError(f"{self.fulfilment} needs pickup_location (the store)")
        return self


class QuoteIn(_Strict):
    channel: Channel
    lines: list[LineIn] = Field(min_length=1, max_length=100)
    customer_id: int | None = Field(default=None, ge=1)
    coupon: str = Field(default="", max_length=40)
    country: str | None = Field(default=None, min_length=2, max_length=2)
    region: str = Field(default="", max_length=100)


class ReturnLineIn(_Strict):
    sku: str = Field(min_length=1, max_length=60)
    quantity: int = Field(ge=1, le=1000)


class ReturnIn(_Strict):
    channel: Channel
    location: str = Field(min_length=1, max_length=40, description="where the goods came back")
    reason: str = Field(min_length=3, max_length=250)
    lines: list[ReturnLineIn] = Field(min_length=1, max_length=100)
    restock: bool = True
    idempotency_key: str | None = Field(default=None, min_length=1, max_length=120)


class ShipLineIn(_Strict):
    sku: str = Field(min_length=1, max_length=60)
    quantity: int = Field(ge=1, le=1000)
    location: str | None = Field(
        default=None, max_length=40, description="ship from here (default: where it is reserved)"
    )


class ShipIn(_Strict):
    """A shipment: every unit not yet shipped, or only ``lines`` (the rest ships later)."""

    carrier: str = Field(default="", max_length=80)
    tracking: str = Field(default="", max_length=120)
    channel: Channel = "web"
    lines: list[ShipLineIn] = Field(default_factory=list, max_length=100)
    idempotency_key: str | None = Field(default=None, min_length=1, max_length=120)


class ExchangeIn(_Strict):
    """Goods brought back and replacements taken in one operation, at any channel.

    The replacements are priced as a new order today (same price policy and promotions);
    the difference with what the returned goods cost is charged to, or refunded on, the
    original payment (``payment`` only if the customer pays a difference with another card).
    """

    channel: Channel
    location: str = Field(min_length=1, max_length=40, description="where the goods came back")
    reason: str = Field(min_length=3, max_length=250)
    returns: list[ReturnLineIn] = Field(min_length=1, max_length=100)
    replacements: list[LineIn] = Field(min_length=1, max_length=100)
    fulfilment: Fulfilment = "take_now"
    ship_address_id: int | None = Field(default=None, ge=1)
    ship_address_kind: AddressKind | None = None
    pickup_location: str | None = Field(
        default=None, max_length=40, description="default: the receiving location"
    )
    payment: PaymentIn | None = None
    restock: bool = True
    idempotency_key: str | None = Field(default=None, min_length=1, max_length=120)

    @model_validator(mode="after")
    def _fulfilment(self) -> ExchangeIn:
        if self.fulfilment == "ship" and (self.ship_address_id is None) == (
            self.ship_address_kind is None
        ):
            raise ValueError("shipping needs ship_address_id or ship_address_kind")
        return self


class CheckoutIn(_Strict):
    """A cart becomes an order: how it is fulfilled and paid (the lines are the cart's)."""

    channel: Channel | None = Field(default=None, description="default: the cart's channel")
    fulfilment: Fulfilment
    ship_address_id: int | None = Field(default=None, ge=1)
    ship_address_kind: AddressKind | None = None
    pickup_location: str | None = Field(default=None, max_length=40)
    origin_location: str | None = Field(default=None, max_length=40)
    payment: PaymentIn
    coupon: str = Field(default="", max_length=40)
    idempotency_key: str | None = Field(default=None, min_length=1, max_length=120)


class TransferLineIn(_Strict):
    sku: str = Field(min_length=1, max_length=60)
    quantity: int = Field(ge=1, le=100000)


class TransferIn(_Strict):
    from_location: str = Field(min_length=1, max_length=40)
    to_location: str = Field(min_length=1, max_length=40)
    lines: list[TransferLineIn] = Field(min_length=1, max_length=200)
    note: str = Field(default="", max_length=250)
    channel: Channel = "web"
    idempotency_key: str | None = Field(default=None, min_length=1, max_length=120)

    @model_validator(mode="after")
    def _two_places(self) -> TransferIn:
        if self.from_location == self.to_location:
            raise ValueError("a transfer goes between two different locations")
        return self


class TransferShipIn(_Strict):
    carrier: str = Field(default="", max_length=80)
    tracking: str = Field(default="", max_length=120)
    channel: Channel = "web"


class TransferReceiveIn(_Strict):
    """What arrived; without ``lines`` everything shipped arrived."""

    lines: list[TransferLineIn] = Field(default_factory=list, max_length=200)
    channel: Channel = "web"


class AdjustmentIn(_Strict):
    amount: Decimal = Field(gt=0, max_digits=12, decimal_places=2)
    reason: str = Field(min_length=3, max_length=250)
    channel: Channel


class CardIn(_Strict):
    card_number: str = Field(min_length=12, max_length=30)
    label: str = Field(default="", max_length=80)
    make_default: bool = True


class ListIn(_Strict):
    customer_id: int = Field(ge=1)
    kind: ListKind
    name: str = Field(default="", max_length=200)
    channel: Channel = "web"


class ListItemIn(_Strict):
    sku: str = Field(min_length=1, max_length=60)
    quantity: int = Field(ge=0, le=1000, description="0 removes the item")


# Inbound canonical events ----------------------------------------------------------------


class InboundAddress(_Strict):
    line1: str = Field(min_length=1, max_length=200)
    city: str = Field(default="", max_length=100)
    region: str = Field(default="", max_length=100)
    country: str = Field(default="EC", min_length=2, max_length=2)


class InboundPayment(_Strict):
    reference: str = Field(min_length=1, max_length=120)
    method: str = Field(default="", max_length=80)


class OrderPlacedEvent(_Strict):
    """``order.placed`` from another system: an order a channel already took.

    Priced by Lealtad's own policy; stock is reserved where there is some (lines without
    stock are kept unallocated, never oversold); the payment the channel took is recorded.
    """

    order_ref: str = Field(min_length=1, max_length=120, description="the channel's number")
    lines: list[LineIn] = Field(min_length=1, max_length=100)
    fulfilment: Fulfilment = "take_now"
    location: str | None = Field(default=None, max_length=40)
    ship_to: InboundAddress | None = None
    payment: InboundPayment | None = None
    coupon: str = Field(default="", max_length=40)

    @model_validator(mode="after")
    def _known(self) -> OrderPlacedEvent:
        from lealtad.commerce import selectors

        unknown = selectors.unknown_skus([line.sku for line in self.lines])
        if unknown:
            raise ValueError(f"unknown SKU {', '.join(sorted(unknown))}")
        codes = {line.location for line in self.lines if line.location} | (
            {self.location} if self.location else set()
        )
        missing = codes - selectors.location_codes(codes)
        if missing:
            raise ValueError(f"unknown location {', '.join(sorted(missing))}")
        if self.fulfilment == "ship" and self.ship_to is None:
            raise ValueError("a shipped order needs ship_to")
        if self.fulfilment != "ship" and not self.location:
            raise ValueError(f"{self.fulfilment} needs location")
        return self


class OrderRef(_Strict):
    order: str = Field(min_length=1, max_length=120, description="Lealtad's number or order_ref")

    @field_validator("order")
    @classmethod
    def _exists(cls, v: str) -> str:
        from lealtad.commerce import selectors

        if selectors.find_order(v) is None:
            raise ValueError(f"no order {v!r}")
        return v


class OrderShippedEvent(OrderRef):
    """``order.shipped`` from a fulfilment house: the order (or, with ``lines``, part of it)
    left with this carrier."""

    carrier: str = Field(default="", max_length=80)
    tracking: str = Field(default="", max_length=120)
    lines: list[ShipLineIn] = Field(default_factory=list, max_length=100)

    @model_validator(mode="after")
    def _shippable(self) -> OrderShippedEvent:
        from lealtad.commerce import selectors

        order = selectors.find_order(self.order)
        if order is not None and (
            order.fulfilment != "ship" or order.status not in ("placed", "partly_shipped")
        ):
            raise ValueError(f"order {self.order} is {order.status} ({order.fulfilment})")
        if order is not None and self.lines:
            left = {line.sku: line.quantity - line.shipped for line in order.lines.all()}
            wanted: dict[str, int] = {}
            for line in self.lines:
                wanted[line.sku] = wanted.get(line.sku, 0) + line.quantity
            for sku, quantity in wanted.items():
                if quantity > left.get(sku, 0):
                    raise ValueError(f"{sku}: at most {left.get(sku, 0)} left to ship")
        return self


class OrderReturnedEvent(OrderRef):
    """``order.returned`` from a channel that took goods back."""

    location: str = Field(min_length=1, max_length=40)
    reason: str = Field(min_length=3, max_length=250)
    lines: list[ReturnLineIn] = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _returnable(self) -> OrderReturnedEvent:
        from lealtad.commerce import selectors

        order = selectors.find_order(self.order)
        if order is None:
            return self
        if not selectors.location_codes([self.location]):
            raise ValueError(f"unknown location {self.location}")
        left = {line.sku: line.shipped - line.returned for line in order.lines.all()}
        wanted: dict[str, int] = {}
        for line in self.lines:
            wanted[line.sku] = wanted.get(line.sku, 0) + line.quantity
        for sku, quantity in wanted.items():
            if quantity > left.get(sku, 0):
                raise ValueError(f"{sku}: at most {left.get(sku, 0)} can come back")
        return self
