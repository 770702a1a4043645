"""Panels other contexts add to the customer box of a till, the handheld and the agent's
screen pop (offers to make, loyalty tier and balance) without those contexts importing them.

The same pattern as :mod:`lealtad.core.sections` (the 360 page): a context registers a
provider in its ``events.py``; the page asks every provider for the customer it shows on its
channel. A provider returns ``None`` (nothing to show) or a dict with a ``template`` (the
panel's own template, rendered with the dict as ``panel``) and its plain values. It sees the
reader's capabilities, so it holds back what the reader may not see.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

# (customer_id, channel, capabilities) -> panel or None. Channel: "pos", "handheld",
# "call_center", "web", "kiosk" (the customers context's Channel values).
Provider = Callable[[int, str, frozenset[Any]], dict[str, Any] | None]

_PROVIDERS: dict[str, Provider] = {}
log = logging.getLogger(__name__)


def provide(name: str) -> Callable[[Provider], Provider]:
    def register(provider: Provider) -> Provider:
        _PROVIDERS[name] = provider
        return provider

    return register


def collect(customer_id: int, channel: str, capabilities: frozenset[Any]) -> list[dict[str, Any]]:
    """Every panel for the customer, in registration order. A provider that fails is logged
    and left out: a broken offer panel must not stop a sale or a call."""
    found: list[dict[str, Any]] = []
    for name, provider in _PROVIDERS.items():
        try:
            panel = provider(customer_id, channel, capabilities)
        except Exception:
            log.exception("customer panel %s failed", name)
            continue
        if panel is not None:
            found.append({"name": name, **panel})
    return found


def registered() -> set[str]:
    return set(_PROVIDERS)
