"""Value rules of API bodies stated in the schema, so that the OpenAPI document and the
server read one rule: a body the schema calls valid is always accepted (tests/test_api_schema).

* :func:`decimal_text`: decimals travel as text (``"0.01"``, ``"1.5"``) with their pattern; a
  JSON number would reach the server as a binary float.
* :func:`one_of`: a closed list of codes (a model's choices) as an ``enum``."""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, WithJsonSchema


def decimal_text(digits: int, places: int, *, zero: bool = False) -> Any:
    """A decimal of at most ``digits`` before the point and ``places`` after; above zero, or
    zero or above when ``zero``."""
    above = (
        rf"[1-9][0-9]{{0,{digits - 1}}}(?:\.[0-9]{{1,{places}}})?"
        rf"|0?\.[0-9]{{0,{places - 1}}}[1-9]"
    )
    pattern = rf"^(?:{above}|0(?:\.0{{1,{places}}})?)$" if zero else rf"^(?:{above})$"
    least = "0 or more" if zero else "above 0"

    def check(value: object) -> object:
        if not isinstance(value, str) or not re.fullmatch(pattern, value):
            raise ValueError(
                f'a number written as text, {least}, at most {places} decimals (e.g. "1.5")'
            )
        return value

    return Annotated[
        Decimal,
        BeforeValidator(check),
        WithJsonSchema({"type": "string", "pattern": pattern, "examples": ["1.5"]}),
    ]


def fraction_text(places: int) -> Any:
    """A share from 0 to 1 as text (``"0.05"`` is 5 %), at most ``places`` decimals."""
    pattern = rf"^(?:0?\.[0-9]{{1,{places}}}|0|1(?:\.0{{1,{places}}})?)$"

    def check(value: object) -> object:
        if not isinstance(value, str) or not re.fullmatch(pattern, value):
            raise ValueError(f"a share from 0 to 1 written as text, at most {places} decimals")
        return value

    return Annotated[
        Decimal,
        BeforeValidator(check),
        WithJsonSchema({"type": "string", "pattern": pattern, "examples": ["0.05"]}),
    ]


def one_of(values: Iterable[str]) -> Any:
    """One of ``values`` (e.g. ``OfferKind.values``), as a ``Literal`` the schema lists."""
    return Literal[tuple(values)]  # type: ignore[valid-type]
