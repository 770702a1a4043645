"""Points earned by an order: rules by channel, SKU, category and promotion, bonus campaigns in
a date range and the member's tier multiplier, all on the NET amount of each line (after its
discount, before tax). Returns take back a line's points unit by unit, so a full return takes
back exactly what the order earned, whatever order the units came back in."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal

ONE = Decimal(1)


@dataclass(frozen=True)
class Rule:
    """Points per currency unit for lines it matches; every field left empty matches all.

    The most specific matching rule wins (SKU before category before promotion before
    channel), so a store can give a product its own rate without restating the base rate."""

    points_per_unit: Decimal
    multiplier: Decimal = ONE
    channel: str = ""
    sku: str = ""
    category: str = ""
    promotion: str = ""
    starts: datetime | None = None
    ends: datetime | None = None

    def specificity(self) -> tuple[bool, bool, bool, bool]:
        return (bool(self.sku), bool(self.category), bool(self.promotion), bool(self.channel))


@dataclass(frozen=True)
class Bonus:
    """A bonus campaign: a multiplier on lines of a channel/category (empty: all) in a range."""

    multiplier: Decimal
    starts: datetime
    ends: datetime
    channel: str = ""
    category: str = ""


@dataclass(frozen=True)
class Line:
    sku: str
    quantity: int
    net: Decimal  # what the customer pays for the line, discount taken off, tax not counted
    category: str = ""


@dataclass(frozen=True)
class Order:
    channel: str
    at: datetime
    lines: Sequence[Line]
    promotions: Sequence[str] = field(default_factory=tuple)


@dataclass(frozen=True)
class Earned:
    """A line's points, kept by SKU so a return can take back its share."""

    sku: str
    quantity: int
    points: int


def _in_force(starts: datetime | None, ends: datetime | None, at: datetime) -> bool:
    return (starts is None or starts <= at) and (ends is None or at < ends)


def _matches(rule: Rule, order: Order, line: Line) -> bool:
    return (
        _in_force(rule.starts, rule.ends, order.at)
        and (not rule.channel or rule.channel == order.channel)
        and (not rule.sku or rule.sku == line.sku)
        and (not rule.category or rule.category == line.category)
        and (not rule.promotion or rule.promotion in order.promotions)
    )


class Ranked(tuple[Rule, ...]):
    """A program's rules most specific first (ties in their given order), so the first that
    matches a line is the best: ranked once per program, not per line of every order."""

    __slots__ = ()

    def __new__(cls, rules: Iterable[Rule]) -> Ranked:
        return super().__new__(cls, sorted(rules, key=Rule.specificity, reverse=True))


def best_rule(rules: Iterable[Rule], order: Order, line: Line) -> Rule | None:
    """The most specific rule matching the line; among equals, the first given."""
    for rule in rules if isinstance(rules, Ranked) else Ranked(rules):
        if _matches(rule, order, line):
            return rule
    return None


def bonus_multiplier(bonuses: Iterable[Bonus], order: Order, line: Line) -> Decimal:
    """Bonus campaigns in force multiply together (double points in a double-points week)."""
    total = ONE
    for bonus in bonuses:
        if (
            bonus.starts <= order.at < bonus.ends
            and (not bonus.channel or bonus.channel == order.channel)
            and (not bonus.category or bonus.category == line.category)
        ):
            total *= bonus.multiplier
    return total


def earn(
    order: Order, rules: Sequence[Rule], bonuses: Sequence[Bonus] = (), tier_multiplier=ONE
) -> list[Earned]:
    """Each line's whole points (rounded down: a point is never given for a fraction). A line
    no rule matches, or with a net amount of zero or less, earns nothing."""
    ranked = rules if isinstance(rules, Ranked) else Ranked(rules)
    earned = []
    for line in order.lines:
        rule = best_rule(ranked, order, line)
        points = 0
        if rule is not None and line.net > 0:
            rate = rule.points_per_unit * rule.multiplier * tier_multiplier
            raw = line.net * rate * bonus_multiplier(bonuses, order, line)
            points = int(raw.to_integral_value(rounding=ROUND_FLOOR))
        earned.append(Earned(line.sku, line.quantity, points))
    return earned


def share(points: int, bought: int, already: int, quantity: int) -> int:
    """Points ``quantity`` more units returned take back, ``already`` having come back before.

    Cumulative rounding: the first k units take back floor(points·k/bought), so the last unit
    takes the remainder and a full return, in any number of steps, takes back ``points``."""
    if bought <= 0 or quantity <= 0:
        return 0
    upto = min(already + quantity, bought)
    return points * upto // bought - points * min(already, bought) // bought


def reverse(
    earned: Sequence[Earned], returned_before: dict[str, int], returned: dict[str, int]
) -> int:
    """Points to take back for ``returned`` units by SKU (SKUs the order did not earn on, or
    more units than bought, take nothing more)."""
    total = 0
    by_sku: dict[str, list[Earned]] = {}
    for row in earned:
        by_sku.setdefault(row.sku, []).append(row)
    for sku, quantity in returned.items():
        rows = by_sku.get(sku, [])
        bought = sum(r.quantity for r in rows)
        points = sum(r.points for r in rows)
        total += share(points, bought, returned_before.get(sku, 0), quantity)
    return total
