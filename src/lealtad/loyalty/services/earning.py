"""Points earned from orders and taken back by returns, batch-first.

The hub hands the ``order.placed`` messages of a dispatcher pass together; each order earns
once per program, keyed ``earn:<program>:<order number>``, so a retried delivery, a replayed
outbox or an offline POS batch synced twice finds its key taken and earns nothing more. A
return takes back the share of the points its units earned (``loyalty_engine.earning``); if
those points were spent, the program's negative-balance policy decides (docs/loyalty.md)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from lealtad.commerce.selectors.catalog import sale_items
from lealtad.core.db import insert_new, new_row, rows_of, stored_moment
from lealtad.core.kept import Kept
from lealtad.loyalty.choices import EntryKind, NegativeBalance
from lealtad.loyalty.models import (
    BonusCampaign,
    EarningRule,
    LedgerEntry,
    Member,
    Program,
    Tier,
)
from lealtad.loyalty.services import members as member_services
from lealtad.loyalty.services.common import (
    PER_LOOKUP,
    add_to_balances,
    expiry,
    lots_of,
    owed,
    take,
)
from lealtad.loyalty_engine import earning, lots


@dataclass(frozen=True)
class PlacedOrder:
    """What loyalty reads of an ``order.placed`` payload."""

    number: str
    customer_id: int
    channel: str
    at: datetime
    promotions: tuple[str, ...]
    lines: tuple[tuple[str, int, Decimal], ...]  # sku, quantity, net amount


@dataclass(frozen=True)
class ReturnedGoods:
    """What loyalty reads of an ``order.returned`` payload."""

    number: str
    order: str
    customer_id: int
    at: datetime
    lines: dict[str, int]


def _when(value: Any, fallback: datetime) -> datetime:
    if isinstance(value, datetime):
        return value
    found = parse_datetime(value) if isinstance(value, str) else None
    return found or fallback


def placed(payload: dict[str, Any], customer_id: int | None, at: datetime) -> PlacedOrder | None:
    """The order of a payload, or None when it earns nothing (no customer, no lines)."""
    customer = customer_id or payload.get("customer_id")
    if not customer or not payload.get("order"):
        return None
    paid = _paid_in_money(payload)
    lines = tuple(
        (
            str(line["sku"]),
            int(line["quantity"]),
            _net(line) if paid is ONE else _net(line) * paid,
        )
        for line in payload.get("lines") or ()
    )
    return PlacedOrder(
        str(payload["order"]),
        int(customer),
        str(payload.get("channel") or ""),
        _when(payload.get("placed_at"), at),
        tuple(str(p) for p in payload.get("promotions") or ()),
        lines,
    )


def _net(line: dict[str, Any]) -> Decimal:
    """What the line costs after its discount, before tax."""
    return Decimal(str(line["unit_price"])) * int(line["quantity"]) - Decimal(
        str(line.get("discount") or 0)
    )


ONE = Decimal(1)


def _paid_in_money(payload: dict[str, Any]) -> Decimal:
    """The share of the order paid in money: what points paid earns no points again
    (docs/decisions/0015), so each line earns on its net amount less its share of it."""
    tender = payload.get("points_tender") or {}
    total = Decimal(str(payload.get("total") or 0))
    value = Decimal(str(tender.get("value") or 0))
    if total <= 0 or value <= 0:
        return ONE
    return max(Decimal(0), 1 - value / total)


@dataclass
class _Setup:
    """A program's rules as the pure core takes them. Every batch of orders needs them and
    they change rarely: each process keeps them for :data:`RULES_TTL` seconds (core.kept),
    forgotten at once on a save here; another process's edit is seen within the TTL. The
    program object is shared: read it, never save it."""

    program: Program
    rules: earning.Ranked
    bonuses: list[earning.Bonus]
    multipliers: dict[int, Decimal]


RULES_TTL = 5.0


def _read_setups() -> list[_Setup]:
    found = []
    for program in Program.objects.filter(active=True).prefetch_related("tiers"):
        rules = earning.Ranked(
            earning.Rule(
                r.points_per_unit,
                r.multiplier,
                r.channel,
                r.sku,
                r.category,
                r.promotion,
                r.starts,
                r.ends,
            )
            for r in EarningRule.objects.filter(program=program)
        )
        bonuses = [
            earning.Bonus(b.multiplier, b.starts, b.ends, b.channel, b.category)
            for b in BonusCampaign.objects.filter(program=program)
        ]
        multipliers = {t.pk: t.multiplier for t in program.tiers.all()}
        found.append(_Setup(program, rules, bonuses, multipliers))
    return found


_setups = Kept(_read_setups, RULES_TTL)
_setups.forget_on_changes(Program, Tier, EarningRule, BonusCampaign)


def earn_orders(orders: Sequence[PlacedOrder], actor: str = "hub") -> int:
    """Points for every order not earned before, in the caller's transaction; how many
    entries were written."""
    if not orders:
        return 0
    categories = {
        sku: item.category
        for sku, item in sale_items({s for o in orders for s, _q, _n in o.lines}).items()
    }
    written = 0
    with transaction.atomic():
        for setup in _setups.get():
            written += _earn_in(setup, orders, categories, actor)
    return written


def _earn_in(
    setup: _Setup, orders: Sequence[PlacedOrder], categories: dict[str, str], actor: str
) -> int:
    program = setup.program
    keyed = {f"earn:{program.pk}:{o.number}": o for o in orders}
    taken = _taken(list(keyed))
    todo = {k: o for k, o in keyed.items() if k not in taken}
    if not todo:
        return 0
    customers = {o.customer_id for o in todo.values()}
    members = _members(program, customers)
    rows, deltas = _entries(setup, todo, members, categories, actor)
    insert_new(rows)
    add_to_balances(deltas)
    touched = [members[c] for c in customers if c in members]
    member_services.review(program, touched, max(o.at for o in todo.values()), down=False)
    return len(rows)


def _taken(keys: Sequence[str]) -> set[str]:
    """The idempotency keys already in the ledger, by the statement alone: through the ORM,
    building the IN lookup of a batch's keys cost more than the database's answer."""
    table = connection.ops.quote_name(LedgerEntry._meta.db_table)
    found: set[str] = set()
    for start in range(0, len(keys), PER_LOOKUP):
        part = keys[start : start + PER_LOOKUP]
        marks = ", ".join(["%s"] * len(part))
        sql = f"SELECT idempotency_key FROM {table} WHERE idempotency_key IN ({marks})"
        found.update(key for (key,) in rows_of(sql, part))
    return found


def _members(program: Program, customers: set[int]) -> dict[int, Member]:
    """The members of the batch's customers, locked, with the fields earning reads (their
    balance, tier and grace): plain values by the statement alone, made into rows with
    ``new_row``, not model instances the ORM builds field by field. Missing ones are
    enrolled when the program enrols automatically."""
    table = connection.ops.quote_name(Member._meta.db_table)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    wanted = sorted(customers)
    found: dict[int, Member] = {}
    zone = connection.timezone
    for start in range(0, len(wanted), PER_LOOKUP):
        part = wanted[start : start + PER_LOOKUP]
        sql = (
            f"SELECT id, customer_id, tier_id, grace_until, balance FROM {table} "
            f"WHERE program_id = %s AND customer_id IN ({', '.join(['%s'] * len(part))}){lock}"
        )
        for pk, customer_id, tier_id, grace_until, balance in rows_of(sql, [program.pk, *part]):
            found[customer_id] = new_row(
                Member,
                id=pk,
                program_id=program.pk,
                customer_id=customer_id,
                tier_id=tier_id,
                grace_until=stored_moment(grace_until, zone),
                balance=balance,
            )
    if program.auto_enrol and len(found) < len(customers):
        found.update(member_services.enrol(program, customers - set(found)))
    return found


def _entries(
    setup: _Setup,
    todo: dict[str, PlacedOrder],
    members: dict[int, Member],
    categories: dict[str, str],
    actor: str,
) -> tuple[list[LedgerEntry], dict[int, int]]:
    rows: list[LedgerEntry] = []
    deltas: dict[int, int] = defaultdict(int)
    owing: dict[int, int] = {}
    for key, order in todo.items():
        member = members.get(order.customer_id)
        if member is None:
            continue
        core = earning.Order(
            order.channel,
            order.at,
            [earning.Line(s, q, n, categories.get(s, "")) for s, q, n in order.lines],
            order.promotions,
        )
        multiplier = setup.multipliers.get(member.tier_id or 0, Decimal(1))
        earned = earning.earn(core, setup.rules, setup.bonuses, multiplier)
        points = sum(e.points for e in earned)
        pk = member.id  # not ``.pk``: a property, three times an order
        debt = owing.setdefault(pk, owed(member))
        size, owing[pk] = lots.lot_size(points, debt)
        rows.append(
            new_row(
                LedgerEntry,
                member_id=pk,
                kind=EntryKind.EARN,
                points=points,
                source_kind="order",
                source_id=order.number,
                idempotency_key=key,
                at=order.at,
                remaining=size,
                expires_at=expiry(setup.program, order.at),
                detail={"lines": [[e.sku, e.quantity, e.points] for e in earned]},
                actor=actor,
            )
        )
        deltas[pk] += points
        member.balance += points
    return rows, deltas


# Returns ----------------------------------------------------------------------------------


def returned(
    payload: dict[str, Any], customer_id: int | None, at: datetime
) -> ReturnedGoods | None:
    customer = customer_id or payload.get("customer_id")
    if not customer or not payload.get("order") or not payload.get("return"):
        return None
    lines: dict[str, int] = defaultdict(int)
    for line in payload.get("lines") or ():
        lines[str(line["sku"])] += int(line["quantity"])
    return ReturnedGoods(str(payload["return"]), str(payload["order"]), int(customer), at, lines)


def reverse_returns(returns: Iterable[ReturnedGoods], actor: str = "hub") -> int:
    """Take back the points of returned units, once per return and program."""
    written = 0
    with transaction.atomic():
        for goods in returns:
            for earned in LedgerEntry.objects.select_related("member__program").filter(
                kind=EntryKind.EARN, source_kind="order", source_id=goods.order
            ):
                written += _reverse_one(earned, goods, actor)
    return written


def _reverse_one(earned: LedgerEntry, goods: ReturnedGoods, actor: str) -> int:
    program = earned.member.program
    key = f"reverse:{program.pk}:{goods.order}:{goods.number}"
    prefix = f"reverse:{program.pk}:{goods.order}:"
    before: dict[str, int] = defaultdict(int)
    for entry in LedgerEntry.objects.filter(idempotency_key__startswith=prefix):
        if entry.idempotency_key == key:
            return 0  # this return was reversed already
        for sku, quantity in entry.detail.get("returned", {}).items():
            before[sku] += quantity
    lines = [earning.Earned(s, q, p) for s, q, p in earned.detail.get("lines", [])]
    points = earning.reverse(lines, before, goods.lines)
    member = Member.objects.select_for_update().get(pk=earned.member_id)
    held = lots_of([member.pk]).get(member.pk, [])
    taken, short = lots.take_back(held, points, own=earned.pk)
    forfeit = program.negative_balance == NegativeBalance.FORFEIT
    moved = points - short if forfeit else points
    take(taken)
    insert_new(
        [
            new_row(
                LedgerEntry,
                member_id=member.pk,
                kind=EntryKind.REVERSE,
                points=-moved,
                source_kind="return",
                source_id=goods.number,
                idempotency_key=key,
                at=goods.at or timezone.now(),
                detail={
                    "order": goods.order,
                    "returned": dict(goods.lines),
                    "lots": taken,
                    "owed": 0 if forfeit else short,
                    "forfeited": short if forfeit else 0,
                },
                actor=actor,
            )
        ]
    )
    add_to_balances({member.pk: -moved})
    return 1
