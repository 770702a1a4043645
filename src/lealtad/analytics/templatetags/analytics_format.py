"""How the analytics pages write a figure: money, shares, growth, ratios and counts in the
reader's language (decimal comma in Spanish), and '—' for a figure the data cannot give."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.formats import number_format

register = template.Library()

DASH = "—"


@register.filter
def kpi_value(value: float | Decimal | None, unit: str = "count") -> str:
    if value is None or value == "":
        return DASH
    number = float(value)
    if number != number:  # NaN never reaches a page as a number
        return DASH
    if unit == "money":
        return number_format(number, 2, use_l10n=True, force_grouping=True)
    if unit == "percent":
        return f"{number_format(number, 1, use_l10n=True)} %"
    if unit == "growth":
        sign = "+" if number > 0 else ""
        return f"{sign}{number_format(number, 1, use_l10n=True)} %"
    if unit == "ratio":
        return number_format(number, 2, use_l10n=True)
    if unit == "probability":
        return f"{number_format(number * 100, 1, use_l10n=True)} %"
    return number_format(round(number), 0, use_l10n=True, force_grouping=True)
