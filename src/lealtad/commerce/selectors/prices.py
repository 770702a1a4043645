"""Prices in force, promotions and tax rates; the few rules every quote reads are kept by each
process for a few seconds."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import connection

from lealtad.commerce import pricing
from lealtad.commerce.models import (
    ChannelPrice,
    Promotion,
    TaxRate,
    Variant,
)
from lealtad.commerce.selectors.catalog import _decimal, _placeholders
from lealtad.core.kept import Kept

# Prices, promotions, taxes -----------------------------------------------------------------


def unit_prices(variants: Iterable[Variant], channel: str, at: datetime) -> dict[int, Decimal]:
    """The price of each variant on ``channel`` at ``at``: its own price unless a channel
    price rule in force says otherwise (see :func:`channel_prices`)."""
    prices = {v.pk: v.price for v in variants}
    prices.update(channel_prices(list(prices), channel, at))
    return prices


def channel_prices(variant_ids: list[int], channel: str, at: datetime) -> dict[int, Decimal]:
    """The channel price rules in force at ``at`` for these variants: where several are, the
    latest-starting one wins (a rule with no start counts as the earliest), on SQLite and
    PostgreSQL alike. One indexed query."""
    if not variant_ids:
        return {}
    when = connection.ops.adapt_datetimefield_value(at)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT variant_id, price FROM {ChannelPrice._meta.db_table} "
            f"WHERE channel = %s AND variant_id IN ({_placeholders(variant_ids)}) "
            "AND (starts_at IS NULL OR starts_at <= %s) AND (ends_at IS NULL OR ends_at > %s) "
            "ORDER BY variant_id, starts_at IS NOT NULL, starts_at, id",
            [channel, *variant_ids, when, when],
        )
        return {vid: _decimal(price) for vid, price in cursor.fetchall()}


# Promotions and tax rates are few and change rarely, while every order and quote reads them:
# each process keeps a copy for at most RULES_TTL seconds (core.kept). Inside a transaction
# they are read afresh and not kept (a quote in the transaction that changed a promotion).
RULES_TTL = 5.0


def _active_promotions() -> tuple[pricing.Promotion, ...]:
    return tuple(
        pricing.Promotion(
            code=p.code,
            kind=p.kind,
            value=p.value,
            priority=p.priority,
            coupon=p.coupon,
            channels=frozenset(p.channels),
            segments=frozenset(p.segments),
            skus=frozenset(p.skus),
            products=frozenset(p.products),
            categories=frozenset(p.categories),
            starts_at=p.starts_at,
            ends_at=p.ends_at,
        )
        for p in Promotion.objects.filter(active=True)
    )


def promotions(at: datetime) -> list[pricing.Promotion]:
    """The active promotions whose dates include ``at``."""
    return [
        p
        for p in _promotions.get()
        if (p.starts_at is None or p.starts_at <= at) and (p.ends_at is None or p.ends_at > at)
    ]


def _tax_rates() -> dict[tuple[str, str], tuple[Decimal, str]]:
    return {
        (r.country.upper(), r.region.casefold()): (r.rate, r.name) for r in TaxRate.objects.all()
    }


def tax_rate(country: str, region: str = "") -> tuple[Decimal, str]:
    """The region's rate where one is set, else the country's; no row means no tax."""
    rates = _tax_rates_kept.get()
    country = country.upper()
    found = rates.get((country, region.casefold())) if region else None
    return found or rates.get((country, ""), (Decimal("0"), ""))


_promotions = Kept(_active_promotions, RULES_TTL, fresh_in_transactions=True)
_tax_rates_kept = Kept(_tax_rates, RULES_TTL, fresh_in_transactions=True)
_promotions.forget_on_changes(Promotion, TaxRate)
_tax_rates_kept.forget_on_changes(Promotion, TaxRate)


def forget_pricing_rules(**_kw: Any) -> None:
    _promotions.forget()
    _tax_rates_kept.forget()
