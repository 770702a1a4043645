"""Amounts on the quote page, written by the one function the PDF uses too."""

from __future__ import annotations

from decimal import Decimal

from django import template

from lealtad.sales.quote_totals import amount_text, percent_text

register = template.Library()


@register.filter
def amount(value: Decimal) -> str:
    return amount_text(value)


@register.filter
def rate(value: Decimal) -> str:
    return percent_text(value)
