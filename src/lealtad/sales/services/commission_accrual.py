"""Commission accrued from commerce's facts as they arrive on the hub.

Each message names orders; the orders are read again from commerce (lines, net, cost,
money captured, units returned) and the engine pays the difference from what was already
commissioned, so a message applied twice, or two messages about one order, never pay twice.
A message id is also remembered (:class:`CommissionEvent`): a replay does nothing at all.

Who the rep is: the owner of the opportunity whose quote was accepted into the order (the
quote's author when it had none; see :func:`quote_owners`, and other providers may register
with :func:`order_owners`); otherwise the seller commerce
recorded on the order (``placed_by``, the signed-in user who took it). An order with neither
(a web shop order nobody sold) pays no commission.

A line dated in a period already settled for its rep lands in the next open period (the day
after the rep's last settled statement): a statement never changes once settled.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from lealtad.commerce.selectors import commission_facts
from lealtad.commerce.selectors.commission_facts import SoldLine
from lealtad.customers.selectors import standing
from lealtad.sales.models import (
    CommissionEvent,
    CommissionLine,
    CommissionSale,
    CommissionStatement,
    CustomerKind,
    Quote,
)
from lealtad.sales.services.commission_rules import engine_rules
from lealtad.sales_engine import commissions as engine

OwnerProvider = Callable[[Sequence[str]], dict[str, int]]
_providers: list[OwnerProvider] = []


def order_owners(provider: OwnerProvider) -> OwnerProvider:
    """Register who sold orders that came from a deal: ``provider(numbers)`` answers
    ``{order number: user id}`` for the orders it knows (quotes accepted into orders)."""
    _providers.append(provider)
    return provider


@order_owners
def quote_owners(numbers: Sequence[str]) -> dict[str, int]:
    """An order a quote was accepted into is the deal's: its opportunity's owner sold it
    (the quote's author when the quote had no opportunity or the opportunity no owner)."""
    found: dict[str, int] = {}
    rows = Quote.objects.filter(order_number__in=numbers).select_related("opportunity")
    for quote in rows.order_by("-accepted_at", "-id"):
        owner = quote.opportunity.owner_id if quote.opportunity else None
        if quote.order_number not in found and (owner or quote.created_by_id):
            found[quote.order_number] = int(owner or quote.created_by_id)  # type: ignore[arg-type]
    return found


def _reps(lines: Sequence[SoldLine]) -> dict[str, tuple[int, str]]:
    numbers = sorted({line.order_number for line in lines})
    found: dict[str, tuple[int, str]] = {}
    for provider in _providers:
        for number, user_id in provider(numbers).items():
            found.setdefault(number, (user_id, "opportunity"))
    # ``placed_by`` is the actor's label: a username, or "username (token name)" for the API.
    sellers = {line.order_number: line.placed_by.split(" (")[0] for line in lines if line.placed_by}
    users = dict(
        get_user_model()
        .objects.filter(username__in=set(sellers.values()))
        .values_list("username", "pk")
    )
    for number, seller in sellers.items():
        if number not in found and seller in users:
            found[number] = (users[seller], "seller")
    return found


def new_events(events: Iterable[tuple[str, str]]) -> set[str]:
    """The ids (of ``(id, type)`` pairs) not applied yet, remembered as applied inside the
    caller's transaction."""
    types = dict(events)
    seen = set(
        CommissionEvent.objects.filter(event_id__in=list(types)).values_list("event_id", flat=True)
    )
    now = timezone.now()
    fresh = [i for i in types if i not in seen]
    CommissionEvent.objects.bulk_create(
        [CommissionEvent(event_id=i, event_type=types[i][:40], applied_at=now) for i in fresh]
    )
    return set(fresh)


def accrue(orders: dict[str, str], on: date) -> list[CommissionLine]:
    """Bring the commission of ``orders`` (number → the reference a return is filed under:
    the return or the RMA) up to date, dated ``on``; the lines made."""
    facts = commission_facts.sold_lines(orders)
    if not facts:
        return []
    with transaction.atomic():
        sales = _sales(facts)
        rules = engine_rules()
        earned = _store(_earn(sales, rules, on))
        return earned + _store(_claw_back(sales, facts, orders, on))


def _sales(facts: Sequence[SoldLine]) -> dict[int, CommissionSale]:
    """The commissioned sale of each fact (created the first time), bases refreshed."""
    known = {
        s.order_line_id: s
        for s in CommissionSale.objects.select_for_update().filter(
            order_line_id__in=[f.line_id for f in facts]
        )
    }
    fresh = [f for f in facts if f.line_id not in known]
    reps = _reps(fresh) if fresh else {}
    tiers = standing.current_tiers(sorted({f.customer_id for f in fresh}))
    created = [
        _new_sale(f, reps[f.order_number], tiers.get(f.customer_id, ""))
        for f in fresh
        if f.order_number in reps
    ]
    CommissionSale.objects.bulk_create(created)
    changed = []
    for fact in facts:
        sale = known.get(fact.line_id)
        if sale is not None and sale.paid != _cents(fact.paid):
            sale.paid = _cents(fact.paid)
            changed.append(sale)
    CommissionSale.objects.bulk_update(changed, ["paid"])
    return {
        s.order_line_id: s
        for s in CommissionSale.objects.filter(order_line_id__in=[f.line_id for f in facts])
    }


def _cents(value: Decimal) -> Decimal:
    return engine.money(value)


def _new_sale(fact: SoldLine, rep: tuple[int, str], tier: str) -> CommissionSale:
    net = _cents(fact.net)
    return CommissionSale(
        order_line_id=fact.line_id,
        order_number=fact.order_number,
        sku=fact.sku,
        rep_id=rep[0],
        attributed_by=rep[1],
        customer_id=fact.customer_id,
        sold_on=timezone.localdate(fact.placed_at),
        product_line=fact.product_line,
        tier=tier,
        customer_kind=CustomerKind.NEW if fact.first_order else CustomerKind.REPEAT,
        quantity=Decimal(fact.quantity),
        invoiced=net,
        paid=_cents(fact.paid),
        margin=_cents(net - fact.cost) if fact.cost is not None else Decimal(0),
    )


def as_sale_line(sale: CommissionSale) -> engine.SaleLine:
    return engine.SaleLine(
        id=sale.pk,
        rep=sale.rep_id,
        sold_on=sale.sold_on,
        product_line=sale.product_line,
        tier=sale.tier,
        customer_kind=engine.CustomerKind(sale.customer_kind),
        quantity=sale.quantity,
        invoiced=sale.invoiced,
        paid=sale.paid,
        margin=sale.margin,
    )


def as_line(row: CommissionLine) -> engine.CommissionLine:
    return engine.CommissionLine(
        sale_line_id=row.sale_id,
        rule_id=row.rule_id,
        rep=row.rep_id,
        on=row.on,
        basis=engine.Basis(row.basis),
        base=row.base,
        rate=row.rate,
        amount=row.amount,
        kind=row.kind,
        reference=row.reference,
        reverses=tuple(row.reverses),
        id=row.pk,
    )


def _earlier(sales: Iterable[CommissionSale]) -> dict[int, list[engine.CommissionLine]]:
    found: dict[int, list[engine.CommissionLine]] = defaultdict(list)
    for row in CommissionLine.objects.filter(sale__in=list(sales)).order_by("id"):
        found[row.sale_id].append(as_line(row))
    return found


def _earn(
    sales: dict[int, CommissionSale], rules: Sequence[engine.Rule], on: date
) -> list[engine.CommissionLine]:
    earlier = _earlier(sales.values())
    lines = [as_sale_line(s) for s in sales.values()]
    given = [line for mine in earlier.values() for line in mine]
    return engine.commission(lines, rules, on, given)


def _claw_back(
    sales: dict[int, CommissionSale],
    facts: Sequence[SoldLine],
    references: dict[str, str],
    on: date,
) -> list[engine.CommissionLine]:
    """Negative lines for units returned since the last look, from what was paid."""
    earlier = _earlier(sales.values())
    made: list[engine.CommissionLine] = []
    returned = []
    for fact in facts:
        sale = sales.get(fact.line_id)
        if sale is None or fact.returned <= sale.returned:
            continue
        back = engine.Return(
            sale.pk, Decimal(fact.returned) - sale.returned, on, references[fact.order_number]
        )
        made += engine.clawback(as_sale_line(sale), earlier[sale.pk], sale.returned, back)
        sale.returned = Decimal(fact.returned)
        returned.append(sale)
    CommissionSale.objects.bulk_update(returned, ["returned"])
    return made


def open_from(rep_ids: Iterable[int]) -> dict[int, date]:
    """Each rep's first day not settled yet (reps never settled are absent)."""
    rows = (
        CommissionStatement.objects.filter(rep_id__in=set(rep_ids))
        .values("rep_id")
        .annotate(end=Max("period_end"))
    )
    return {row["rep_id"]: row["end"] + timedelta(days=1) for row in rows}


def _store(made: Sequence[engine.CommissionLine]) -> list[CommissionLine]:
    reps = {id(line): int(str(line.rep)) for line in made}  # the engine's rep is a user id
    opens = open_from(reps.values())
    now = timezone.now()
    rows = [
        CommissionLine(
            sale_id=line.sale_line_id,
            rule_id=line.rule_id,
            rep_id=reps[id(line)],
            on=max(line.on, opens.get(reps[id(line)], line.on)),
            basis=str(line.basis),
            base=line.base,
            rate=line.rate,
            amount=line.amount,
            kind=line.kind,
            reference=line.reference[:60],
            original_id=line.reverses[0] if line.reverses else None,
            reverses=list(line.reverses),
            created_at=now,
        )
        for line in made
    ]
    return CommissionLine.objects.bulk_create(rows)
