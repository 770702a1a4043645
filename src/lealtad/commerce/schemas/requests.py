"""API bodies and page forms of the commerce context: orders, quotes, returns, shipments,
exchanges, checkouts, transfers, adjustments, cards and lists."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import (
    ConfigDict,
    Field,
    StrictBool,
    model_validator,
)

from lealtad.core.text_schema import NOT_BLANK, THREE_OR_MORE

if TYPE_CHECKING:
    pass
from lealtad.commerce.schemas.common import (
    _ONE_PAYMENT,
    FULFIL_RULES,
    SHIP_RULE,
    AddressKind,
    CardNumber,
    Channel,
    Fulfilment,
    InStore,
    ListKind,
    MoneyText,
    _Strict,
    check_fulfilment,
)


class LineIn(_Strict):
    sku: str = Field(min_length=1, pattern=NOT_BLANK, max_length=60)
    quantity: int = Field(ge=1, le=1000)
    location: str | None = Field(default=None, max_length=40, description="take stock here")


class PaymentIn(_Strict):
    """How the customer pays: a card on file (by id, or the default one), a card number, a
    new card typed on the gateway's hosted form (``hosted_card``: the reference the form
    gave back), or in the store (``in_store``: cash, or at the till). ``points`` adds
    loyalty points as a second tender paying part of the total; that one pays the rest."""

    model_config = ConfigDict(json_schema_extra={"oneOf": _ONE_PAYMENT})

    method_id: int | None = None
    on_file: StrictBool = False
    card_number: CardNumber | None = None
    in_store: InStore | None = None
    hosted_card: str | None = Field(default=None, min_length=1, pattern=NOT_BLANK, max_length=400)
    save_card: StrictBool = False
    points: int | None = Field(
        default=None,
        ge=1,
        le=100_000_000,
        description="loyalty points paying part of the order, the rest paid by the method "
        "given with them. Limits: only a sale taken now (fulfilment take_now); whole points, "
        "at most the customer's balance (409 insufficient_points otherwise, nothing written); "
        "their value (points times the program's point value, rounded down to the cent) below "
        "the order's total (422); spent once with the order (a repeated idempotency_key "
        "spends nothing more); a return gives back their share of its refund as points; "
        "what they paid earns no points",
    )

    @model_validator(mode="after")
    def _one(self) -> PaymentIn:
        given = sum(
            [
                self.method_id is not None,
                self.on_file,
                bool(self.card_number),
                self.in_store is not None,
                self.hosted_card is not None,
            ]
        )
        if given != 1:
            raise ValueError(
                "give exactly one of method_id, on_file, card_number, in_store or hosted_card"
            )
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
    expected_total: MoneyText | None = Field(
        default=None,
        description="the total the customer agreed to pay: the order is refused (409) if the "
        "total comes out otherwise (a price or promotion changed since it was shown)",
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
    refund_method: Literal["original", "cash"] = Field(
        default="original",
        description="original: back to the original payment; cash: cash at the till "
        "(a card sale's refund without the card)",
    )
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
    expected_difference: MoneyText | None = Field(
        default=None,
        description="the difference the customer agreed to be charged: the exchange is refused "
        "(409) if it comes out otherwise (a price changed since it was shown, or nothing to pay)",
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
