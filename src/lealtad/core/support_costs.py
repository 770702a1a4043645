"""The cost of support per customer, which the service desk provides and analytics reads.

Analytics adds what the service desk spent on a customer to their cost to serve (seed 003's
below-zero customers). Analytics cannot import the service desk's selectors: the service
desk already reaches analytics through the contact center (its survey calls), so the import
would close a cycle between contexts. The service desk registers its reader here from its
``events.py`` and analytics asks here, like :mod:`lealtad.core.erasers` for the privacy
context: the dependency points at the core from both sides.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

SupportCosts = Callable[[datetime | None, datetime], Mapping[int, float]]
"""Money spent on each customer (by id) over [since, until); ``since`` None is all history."""

_PROVIDERS: dict[str, SupportCosts] = {}


def provide(context: str, reader: SupportCosts) -> SupportCosts:
    """Register ``context``'s reader (one per context; a second replaces it)."""
    _PROVIDERS[context] = reader
    return reader


def by_customer(since: datetime | None, until: datetime) -> dict[int, float]:
    """Every registered context's support cost, added up per customer."""
    total: dict[int, float] = {}
    for _name, reader in sorted(_PROVIDERS.items()):
        for customer_id, money in reader(since, until).items():
            total[customer_id] = total.get(customer_id, 0.0) + float(money)
    return total


def registered() -> set[str]:
    return set(_PROVIDERS)
