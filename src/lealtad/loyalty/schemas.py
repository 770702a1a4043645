"""Decimal values in loyalty's API bodies, as text (see :mod:`lealtad.core.schema_values`)."""

from __future__ import annotations

from lealtad.core.schema_values import decimal_text

PointValue = decimal_text(6, 4)
Multiplier = decimal_text(3, 3)
PointsPerUnit = decimal_text(5, 3)
Amount = decimal_text(10, 2)
