"""Decimal values in loyalty's API bodies travel as text (``"0.01"``, ``"1.5"``): a JSON
number would reach us as a binary float, and a schema-valid body must always be accepted."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema


def positive_text(digits: int, places: int) -> Any:
    """A decimal above zero, at most ``digits`` before the point and ``places`` after."""
    pattern = (
        rf"^(?:[1-9][0-9]{{0,{digits - 1}}}(?:\.[0-9]{{1,{places}}})?"
        rf"|0?\.[0-9]{{0,{places - 1}}}[1-9])$"
    )

    def check(value: object) -> object:
        if not isinstance(value, str) or not re.fullmatch(pattern, value):
            raise ValueError(
                f'a number written as text, above 0, at most {places} decimals (e.g. "1.5")'
            )
        return value

    return Annotated[
        Decimal,
        BeforeValidator(check),
        WithJsonSchema({"type": "string", "pattern": pattern, "examples": ["1.5"]}),
    ]


PointValue = positive_text(6, 4)
Multiplier = positive_text(3, 3)
PointsPerUnit = positive_text(5, 3)
Amount = positive_text(10, 2)
