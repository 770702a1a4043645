"""Where channels' stock reports find the context that keeps stock.

A legacy inventory reports stock levels (files of levels, ``stock.level_reported`` events);
channels applies those reports (:mod:`lealtad.channels.connectors.state_reports`) but must not
import commerce, which keeps the stock: commerce reads customers through their public face and
customers' CSV import feeds channels' ingestion, so channels importing commerce closed a cycle
of three contexts. Commerce provides its stock service here from its ``events.py``; channels
asks for it when a report arrives.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from typing import Any, Protocol


class Refusal(Protocol):
    """Why a level cannot be taken: the level's field at fault and a message saying why."""

    @property
    def field(self) -> str: ...

    @property
    def message(self) -> str: ...


class StockKeeper(Protocol):
    """What the stock-keeping context offers (commerce's ``services.stock_levels``)."""

    def Level(self, sku: str, location: str, on_hand: int, reported_at: datetime) -> Any: ...

    def check_sku(self, sku: str) -> Refusal | None: ...

    def check_location(self, code: str) -> Refusal | None: ...

    def check_on_hand(self, sku: str, location: str, on_hand: int) -> Refusal | None: ...

    def set_levels(
        self,
        levels: Sequence[Any],
        *,
        key: str,
        actor: Any,
        channel: str,
        newer: Callable[[list[int]], Collection[int]] | None = None,
    ) -> Any: ...


_KEEPER: list[StockKeeper] = []


def provide(keeper: StockKeeper) -> None:
    """Register the stock keeper (one; a second replaces it)."""
    _KEEPER[:] = [keeper]


def keeper() -> StockKeeper:
    if not _KEEPER:  # commerce registers it at start-up (its events module)
        raise LookupError("no context keeps stock: is commerce installed?")
    return _KEEPER[0]
