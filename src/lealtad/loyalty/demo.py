"""``lealtad loyalty demo``: Club Lealtad with three tiers, a base rule, a category rule and a
bonus week; the customers who ordered earn from the orders already placed (read from the
hub's outbox, and the last year of the bulk-loaded demo history), through the same earning
path as the subscriber."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from lealtad.commerce.selectors import order_history
from lealtad.core.audit import Actor
from lealtad.core.models import OutboxMessage
from lealtad.loyalty.models import Member, Program
from lealtad.loyalty.services import earning, programs

ACTOR = Actor.system("demo")
HISTORY_DAYS = 365
TIERS = (("Plata", 0, 0, "1"), ("Oro", 1, 2000, "1.25"), ("Platino", 2, 6000, "1.5"))


@dataclass(frozen=True)
class Seeded:
    program: Program
    members: int
    entries: int


def seed() -> Seeded:
    club = Program.objects.filter(code="club-lealtad").first()
    if club is None:
        club = _program()
    orders = _orders_on_the_hub()
    orders += _orders_of_the_history({o.number for o in orders})
    entries = 0
    for start in range(0, len(orders), 500):
        entries += earning.earn_orders(orders[start : start + 500], actor="demo")
    return Seeded(club, Member.objects.filter(program=club).count(), entries)


def _orders_on_the_hub() -> list[earning.PlacedOrder]:
    orders = []
    for m in OutboxMessage.objects.filter(event_type="order.placed").order_by("id").iterator():
        found = earning.placed(m.payload, m.customer_id, m.created_at)
        if found is not None:
            orders.append(found)
    return orders


def _orders_of_the_history(seen: set[str]) -> list[earning.PlacedOrder]:
    """The demo's purchase history was loaded in bulk, with no ``order.placed`` on the hub:
    the last year of it (what has not expired yet) earns as if the club had been there."""
    since = timezone.now() - timedelta(days=HISTORY_DAYS)
    return [
        earning.PlacedOrder(o.number, o.customer_id, o.channel, o.placed_at, (), o.lines)
        for o in order_history.orders_placed_since(since)
        if o.number not in seen
    ]


def _program() -> Program:
    club = programs.save_program(
        {
            "code": "club-lealtad",
            "name": "Club Lealtad",
            "point_value": Decimal("0.01"),
            "referrer_points": 500,
            "referred_points": 250,
        },
        ACTOR,
    )
    for name, rank, threshold, multiplier in TIERS:
        programs.save_tier(
            club,
            {"name": name, "rank": rank, "threshold": threshold, "multiplier": Decimal(multiplier)},
            ACTOR,
        )
    programs.save_rule(club, {"name": "1 punto por dólar", "points_per_unit": Decimal(1)}, ACTOR)
    programs.save_rule(
        club,
        {"name": "Tienda: 2 puntos por dólar", "channel": "pos", "points_per_unit": Decimal(2)},
        ACTOR,
    )
    now = timezone.now()
    programs.save_bonus(
        club,
        {
            "name": "Semana doble",
            "multiplier": Decimal(2),
            "starts": now,
            "ends": now + timedelta(days=7),
        },
        ACTOR,
    )
    return club
