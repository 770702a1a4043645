"""What the commerce schemas share: strict models, channels, card numbers, money as text and
the fulfilment rules the OpenAPI states."""

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
    WithJsonSchema,
)
from pydantic.json_schema import JsonDict, JsonValue

from lealtad.core.envelope import BUILTIN_CHANNELS
from lealtad.core.text_schema import NOT_BLANK

if TYPE_CHECKING:
    pass


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
_NOT_GIVEN: JsonDict = {"type": "null"}
InStore = Literal["cash", "till"]
"""Paid in the store, not through the card gateway: cash taken by the clerk, or at the till
(the till reports the payment later, as another system's ``payment.captured``)."""


def _one_of(name: str, given: JsonDict) -> JsonDict:
    """The alternative where ``name`` says how the customer pays and the others are absent."""
    absent: dict[str, JsonValue] = {
        "method_id": _NOT_GIVEN,
        "on_file": {"const": False},
        "card_number": _NO_CARD,
        "in_store": _NOT_GIVEN,
        "hosted_card": _NOT_GIVEN,
    }
    return {"required": [name], "properties": {**absent, name: given}}


_ONE_PAYMENT: list[JsonValue] = [
    _one_of("method_id", {"type": "integer"}),  # a card on file, by id
    _one_of("on_file", {"const": True}),  # the customer's default card on file
    _one_of("card_number", {"type": "string", "minLength": 1}),  # a card number given now
    _one_of("in_store", {"type": "string"}),  # cash, or paid at the till
    _one_of("hosted_card", {"type": "string"}),  # a new card typed on the gateway's own page
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
