"""Inbound canonical events of commerce: an order another channel took, shipped or got back."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from lealtad.commerce import returnable
from lealtad.core.text_schema import NOT_BLANK, THREE_OR_MORE

if TYPE_CHECKING:
    pass
from lealtad.commerce.schemas.common import Fulfilment, _Strict
from lealtad.commerce.schemas.requests import LineIn, ReturnLineIn, ShipLineIn

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
