"""Sections other contexts add to the customer 360 without customers importing them.

A context registers a provider for a section name ("orders", "cases", "offers" …) in its
``events.py``; the 360 read model asks every provider for the customer's rows. Providers return
plain JSON-ready dicts, newest first, and see the reader's capabilities so they can hold back
what the reader may not see.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Provider = Callable[[int, frozenset[Any]], list[dict[str, Any]]]

_PROVIDERS: dict[str, Provider] = {}

DEFAULT_SECTIONS = ("orders", "cases", "products", "offers")


def provide(section: str) -> Callable[[Provider], Provider]:
    def register(provider: Provider) -> Provider:
        _PROVIDERS[section] = provider
        return provider

    return register


def collect(customer_id: int, capabilities: frozenset[Any]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {name: [] for name in DEFAULT_SECTIONS}
    for name, provider in _PROVIDERS.items():
        found[name] = provider(customer_id, capabilities)
    return found


def registered() -> set[str]:
    return set(_PROVIDERS)
