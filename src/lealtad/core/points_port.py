"""Where commerce finds the context that keeps loyalty points, to take them as a tender.

An order may be paid partly with points (docs/decisions/0015-points-as-tender.md). Commerce
keeps the order and its payments; loyalty keeps the points. Loyalty already imports
commerce's selectors (the catalog its earning rules name), so commerce importing loyalty
would close a cycle: loyalty provides its tender service here from its ``events.py``, and
commerce asks for it while it places an order or takes a return, inside its own transaction,
so an order and the points it spent commit together or not at all. Each context writes only
its own tables: loyalty's service writes the redemption and its ledger line, commerce the
payment row that points at it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from typing import Protocol

from lealtad.core.audit import Actor


@dataclass(frozen=True)
class PointsStanding:
    """A customer's spendable points and what they are worth, as a till offers them."""

    points: int
    point_value: Decimal  # the money one point is worth
    currency: str

    @property
    def value(self) -> Decimal:
        return worth(max(self.points, 0), self.point_value)


@dataclass(frozen=True)
class Spent:
    """Points spent on an order: the redemption's reference, the points and their value."""

    reference: str
    points: int
    value: Decimal


def worth(points: int, point_value: Decimal) -> Decimal:
    """What ``points`` pay, rounded down to the cent (a point never pays a fraction of one)."""
    return (points * point_value).quantize(Decimal("0.01"), rounding=ROUND_FLOOR)


class PointsKeeper(Protocol):
    """What the points-keeping context offers (loyalty's ``services.tender``). Its refusals
    are :class:`lealtad.core.errors.DomainError` (not a member: 422; more than the balance:
    409 ``insufficient_points``), raised before anything is written."""

    def standing(self, customer_id: int) -> PointsStanding | None: ...

    def value_of(self, customer_id: int, points: int, currency: str) -> Decimal: ...

    def spend(
        self, customer_id: int, points: int, *, key: str, channel: str, order: str, actor: Actor
    ) -> Spent: ...

    def give_back(self, reference: str, points: int, *, key: str, actor: Actor) -> int: ...


_KEEPER: list[PointsKeeper] = []


def provide(keeper: PointsKeeper) -> None:
    """Register the points keeper (one; a second replaces it)."""
    _KEEPER[:] = [keeper]


def keeper() -> PointsKeeper | None:
    """The points keeper, or None when no context keeps points (loyalty not installed)."""
    return _KEEPER[0] if _KEEPER else None
