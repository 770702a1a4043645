"""Input schemas of the commerce context (API bodies, page forms and inbound event payloads)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonDict, JsonValue
from pydantic_core import InitErrorDetails, PydanticCustomError

from lealtad.commerce import returnable
from lealtad.core.envelope import BUILTIN_CHANNELS
from lealtad.core.text_schema import NOT_BLANK, THREE_OR_MORE

if TYPE_CHECKING:
    from lealtad.commerce.models import Order

Fulfilment = Literal["ship", "pickup", "take_now"]
ListKind = Literal["cart", "shopping_list", "gift_registry"]
AddressKind = Literal["home", "work", "billing", "shipping", "other"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# Text is stripped before its length is checked: NOT_BLANK and THREE_OR_MORE say so in the
# schema, naming the white space pydantic strips (lealtad.core.text_schema).


def _channel(value: str) -> str:
    if value not in BUILTIN_CHANNELS:
        raise ValueError(f"unknown channel {value!r}")
    return value


Channel = Annotated[
    str,
    Field(
        min_length=1,
        pattern=NOT_BLANK,
        max_length=40,
        json_schema_extra={"enum": list(BUILTIN_CHANNELS)},
    ),
    AfterValidator(_channel),
]
"""A built-in channel; the published schema lists them, so a client knows before asking."""

CARD_NUMBER_PATTERN = r"^[ -]*(?:[0-9][ -]*){12,19}$"
"""12 to 19 digits, spaces and dashes between them as people type a card number."""


def _card_number(value: str | None) -> str | None:
    if value and not re.fullmatch(CARD_NUMBER_PATTERN, value):
        raise ValueError("a card number has 12 to 19 digits (spaces and dashes allowed)")
    return value


CardNumber = Annotated[
    str,
    Field(max_length=30, json_schema_extra={"pattern": CARD_NUMBER_PATTERN}),
    AfterValidator(_card_number),
]
_NO_CARD: JsonDict = {"anyOf": [{"type": "null"}, {"type": "string", "maxLength": 0}]}
_ONE_PAYMENT: list[JsonValue] = [
    {  # a card on file, by id
        "required": ["method_id"],
        "properties": {
            "method_id": {"type": "integer"},
            "on_file": {"const": False},
            "card_number": _NO_CARD,
        },
    },
    {  # the customer's default card on file
        "required": ["on_file"],
        "properties": {
            "on_file": {"const": True},
            "method_id": {"type": "null"},
            "card_number": _NO_CARD,
        },
    },
    {  # a card number given now
        "required": ["card_number"],
        "properties": {
            "card_number": {"type": "string", "minLength": 1},
            "method_id": {"type": "null"},
            "on_file": {"const": False},
        },
    },
]


_NOT_BLANK: JsonDict = {"type": "string", "pattern": NOT_BLANK}
_SHIP_TO_ONE_ADDRESS: JsonDict = {
    "oneOf": [
        {
            "required": ["ship_address_id"],
            "properties": {
                "ship_address_id": {"type": "integer"},
                "ship_address_kind": {"type": "null"},
            },
        },
        {
            "required": ["ship_address_kind"],
            "properties": {
                "ship_address_kind": {"type": "string"},
                "ship_address_id": {"type": "null"},
            },
        },
    ]
}
_SHIPPED: JsonDict = {"required": ["fulfilment"], "properties": {"fulfilment": {"const": "ship"}}}
SHIP_RULE: JsonDict = {"if": _SHIPPED, "then": _SHIP_TO_ONE_ADDRESS}
"""Shipping names one address: by id or by kind (the customer's current one), not both."""
FULFIL_RULES: JsonDict = {
    **SHIP_RULE,
    "else": {"required": ["pickup_location"], "properties": {"pickup_location": _NOT_BLANK}},
}
"""What an order's fulfilment needs, stated in the schema: an address to ship to, or the
store where it is picked up or taken now."""


def check_fulfilment(
    fulfilment: str, address_id: int | None, address_kind: str | None, pickup: str | None
) -> None:
    """The rule :data:`FULFIL_RULES` publishes, applied."""
    if fulfilment == "ship":
        if (address_id is None) == (address_kind is None):
            raise ValueError("shipping needs ship_address_id or ship_address_kind")
    elif not pickup:
        raise ValueError(f"{fulfilment} needs pickup_location (the store)")


class LineIn(_Strict):
    sku: str = Field(min_length=1, pattern=NOT_BLANK, max_length=60)
    quantity: int = Field(ge=1, le=1000)
    location: str | None = Field(default=None, max_length=40, description="take stock here")


class PaymentIn(_Strict):
    """How the customer pays: a card on file (by id, or the default one) or a card number."""

    model_config = ConfigDict(json_schema_extra={"oneOf": _ONE_PAYMENT})

    method_id: int | None = None
    on_file: StrictBool = False
    card_number: CardNumber | None = None
    save_card: StrictBool = False

    @model_validator(mode="after")
    def _one(self) -> PaymentIn:
        given = sum([self.method_id is not None, self.on_file, bool(self.card_number)])
        if given != 1:
            raise ValueError("give exactly one of method_id, on_file or card_number")
        return self


class OrderIn(_Strict):
    model_config = ConfigDict(json_schema_extra=FULFIL_RULES)

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
    idempotency_key: str | None = Field(
        default=None, min_length=1, pattern=NOT_BLANK, max_length=120
    )

    @model_validator(mode="after")
    def _fulfilment(self) -> OrderIn:
        check_fulfilment(
            self.fulfilment, self.ship_address_id, self.ship_address_kind, self.pickup_location
        )
        return self


class QuoteIn(_Strict):
    channel: Channel
    lines: list[LineIn] = Field(min_length=1, max_length=100)
    customer_id: int | None = Field(default=None, ge=1)
    coupon: str = Field(default="", max_length=40)
    country: str | None = Field(default=None, pattern=r"^[A-Za-z]{2}$", description="ISO 3166")
    region: str = Field(default="", max_length=100)


class ReturnLineIn(_Strict):
    sku: str = Field(min_length=1, pattern=NOT_BLANK, max_length=60)
    quantity: int = Field(ge=1, le=1000)


class ReturnIn(_Strict):
    channel: Channel
    location: str = Field(
        min_length=1, pattern=NOT_BLANK, max_length=40, description="where the goods came back"
    )
    reason: str = Field(min_length=3, pattern=THREE_OR_MORE, max_length=250)
    lines: list[ReturnLineIn] = Field(min_length=1, max_length=100)
    restock: StrictBool = True
    idempotency_key: str | None = Field(
        default=None, min_length=1, pattern=NOT_BLANK, max_length=120
    )


class ShipLineIn(_Strict):
    sku: str = Field(min_length=1, pattern=NOT_BLANK, max_length=60)
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
    idempotency_key: str | None = Field(
        default=None, min_length=1, pattern=NOT_BLANK, max_length=120
    )


class ExchangeIn(_Strict):
    """Goods brought back and replacements taken in one operation, at any channel.

    The replacements are priced as a new order today (same price policy and promotions);
    the difference with what the returned goods cost is charged to, or refunded on, the
    original payment (``payment`` only if the customer pays a difference with another card).
    """

    model_config = ConfigDict(json_schema_extra=SHIP_RULE)

    channel: Channel
    location: str = Field(
        min_length=1, pattern=NOT_BLANK, max_length=40, description="where the goods came back"
    )
    reason: str = Field(min_length=3, pattern=THREE_OR_MORE, max_length=250)
    returns: list[ReturnLineIn] = Field(min_length=1, max_length=100)
    replacements: list[LineIn] = Field(min_length=1, max_length=100)
    fulfilment: Fulfilment = "take_now"
    ship_address_id: int | None = Field(default=None, ge=1)
    ship_address_kind: AddressKind | None = None
    pickup_location: str | None = Field(
        default=None, max_length=40, description="default: the receiving location"
    )
    payment: PaymentIn | None = None
    restock: StrictBool = True
    idempotency_key: str | None = Field(
        default=None, min_length=1, pattern=NOT_BLANK, max_length=120
    )

    @model_validator(mode="after")
    def _fulfilment(self) -> ExchangeIn:
        if self.fulfilment == "ship" and (self.ship_address_id is None) == (
            self.ship_address_kind is None
        ):
            raise ValueError("shipping needs ship_address_id or ship_address_kind")
        return self


class CheckoutIn(_Strict):
    """A cart becomes an order: how it is fulfilled and paid (the lines are the cart's)."""

    model_config = ConfigDict(json_schema_extra=FULFIL_RULES)

    channel: Channel | None = Field(default=None, description="default: the cart's channel")
    fulfilment: Fulfilment
    ship_address_id: int | None = Field(default=None, ge=1)
    ship_address_kind: AddressKind | None = None
    pickup_location: str | None = Field(default=None, max_length=40)
    origin_location: str | None = Field(default=None, max_length=40)
    payment: PaymentIn
    coupon: str = Field(default="", max_length=40)
    idempotency_key: str | None = Field(
        default=None, min_length=1, pattern=NOT_BLANK, max_length=120
    )

    @model_validator(mode="after")
    def _fulfilment(self) -> CheckoutIn:
        check_fulfilment(
            self.fulfilment, self.ship_address_id, self.ship_address_kind, self.pickup_location
        )
        return self


class TransferLineIn(_Strict):
    sku: str = Field(min_length=1, pattern=NOT_BLANK, max_length=60)
    quantity: int = Field(ge=1, le=100000)


class TransferIn(_Strict):
    from_location: str = Field(min_length=1, pattern=NOT_BLANK, max_length=40)
    to_location: str = Field(min_length=1, pattern=NOT_BLANK, max_length=40)
    lines: list[TransferLineIn] = Field(min_length=1, max_length=200)
    note: str = Field(default="", max_length=250)
    channel: Channel = "web"
    idempotency_key: str | None = Field(
        default=None, min_length=1, pattern=NOT_BLANK, max_length=120
    )


class TransferShipIn(_Strict):
    carrier: str = Field(default="", max_length=80)
    tracking: str = Field(default="", max_length=120)
    channel: Channel = "web"


class TransferReceiveIn(_Strict):
    """What arrived; without ``lines`` everything shipped arrived."""

    lines: list[TransferLineIn] = Field(default_factory=list, max_length=200)
    channel: Channel = "web"


MONEY_PATTERN = r"^0*(?:[1-9][0-9]{0,9}(?:\.[0-9]{1,2})?|\.(?:[1-9][0-9]?|0[1-9]))$"
"""More than zero, at most 10 digits before the point and 2 after: ``12.50``."""


def _money_text(value: object) -> object:
    """Money travels as text: a JSON number would reach us as a binary float already."""
    if not isinstance(value, str) or not re.fullmatch(MONEY_PATTERN, value.strip()):
        raise ValueError('an amount is text such as "12.50": more than 0, at most 2 decimals')
    return value.strip()


MoneyText = Annotated[
    Decimal,
    BeforeValidator(_money_text),
    WithJsonSchema(
        {"type": "string", "pattern": MONEY_PATTERN, "maxLength": 24, "examples": ["12.50"]}
    ),
]


class AdjustmentIn(_Strict):
    amount: MoneyText
    reason: str = Field(min_length=3, pattern=THREE_OR_MORE, max_length=250)
    channel: Channel


class CardIn(_Strict):
    card_number: CardNumber = Field(min_length=12)
    label: str = Field(default="", max_length=80)
    make_default: StrictBool = True


class ListIn(_Strict):
    customer_id: int = Field(ge=1)
    kind: ListKind
    name: str = Field(default="", max_length=200)
    channel: Channel = "web"


class ListItemIn(_Strict):
    sku: str = Field(min_length=1, pattern=NOT_BLANK, max_length=60)
    quantity: int = Field(ge=0, le=1000, description="0 removes the item")


# Inbound canonical events ----------------------------------------------------------------


class InboundAddress(_Strict):
    line1: str = Field(min_length=1, pattern=NOT_BLANK, max_length=200)
    city: str = Field(default="", max_length=100)
    region: str = Field(default="", max_length=100)
    country: str = Field(default="EC", min_length=2, max_length=2)


class InboundPayment(_Strict):
    reference: str = Field(min_length=1, pattern=NOT_BLANK, max_length=120)
    method: str = Field(default="", max_length=80)


class OrderPlacedEvent(_Strict):
    """``order.placed`` from another system: an order a channel already took.

    Priced by Lealtad's own policy; stock is reserved where there is some (lines without
    stock are kept unallocated, never oversold); the payment the channel took is recorded.
    """

    order_ref: str = Field(
        min_length=1, pattern=NOT_BLANK, max_length=120, description="the channel's number"
    )
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
    order: str = Field(
        min_length=1, pattern=NOT_BLANK, max_length=120, description="Lealtad's number or order_ref"
    )

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
            left = {line.sku: line.to_ship for line in order.lines.all()}
            wanted: dict[str, int] = {}
            for line in self.lines:
                wanted[line.sku] = wanted.get(line.sku, 0) + line.quantity
            for sku, quantity in wanted.items():
                if quantity > left.get(sku, 0):
                    raise ValueError(f"{sku}: at most {left.get(sku, 0)} left to ship")
        return self


class OrderReturnedEvent(OrderRef):
    """``order.returned`` from a channel that took goods back."""

    location: str = Field(min_length=1, pattern=NOT_BLANK, max_length=40)
    reason: str = Field(min_length=3, pattern=THREE_OR_MORE, max_length=250)
    lines: list[ReturnLineIn] = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _returnable(self) -> OrderReturnedEvent:
        from lealtad.commerce import selectors

        order = selectors.find_order(self.order)
        if order is None:
            return self
        if not selectors.location_codes([self.location]):
            raise ValueError(f"unknown location {self.location}")
        lines = {line.sku: line for line in order.lines.all()}
        for refused in returnable.excess(lines, self.lines)[:1]:
            raise ValueError(f"{refused.sku}: at most {refused.left or 0} can come back")
        return self


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
        from lealtad.commerce import selectors, selectors_inbound
        from lealtad.commerce.services.returns import RETURNABLE

        order = selectors.find_order(self.order)
        if order is None:
            return self
        if self.exchange_ref:
            made = selectors_inbound.exchange_by_key(self.key(order.number, ""))
            if made is not None:  # a repeat: answered with the exchange made the first time
                return self
        problems: list[Refusal] = []
        if order.status not in RETURNABLE:
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
    from lealtad.commerce import selectors_inbound

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
        from lealtad.commerce import selectors, selectors_inbound

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
        from lealtad.commerce import selectors, selectors_inbound

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
        from lealtad.commerce import selectors, selectors_inbound

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
