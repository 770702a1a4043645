"""Commissions by rule, with overlap detection, period statements and clawback on returns.

A rule matches a sale line on product line, rep, customer value tier and new vs repeat
customer (each ``None`` matches any), during its validity dates, and pays ``rate`` of a
basis: the invoiced amount, the amount paid, or the margin. Why each piece is here (each is
an OCA commission bug or request):

* **Overlaps are refused, not resolved by priority.** Two rules with the same basis that can
  match the same sale on the same day would pay twice, or pay whichever a priority order
  happened to pick; :func:`overlaps` names both rules and what they share, so the sales
  context refuses the second rule when it is saved. Rules on different bases may both pay
  (e.g. 2% on invoice and 1% on margin): that is a plan, not an accident.
* **Idempotent by construction.** :func:`commission` is given the commission lines already
  made for the sale lines and pays only the difference, rounding the cumulative amount, so
  running it again (or after another payment arrives) never pays twice nor drifts by cents.
* **Clawback never takes back more than was paid.** A return takes back the share of the
  commission its quantity is of the quantity sold, cumulatively, capped at what was paid
  (earned minus earlier clawbacks).

Money is ``Decimal``, rounded to the cent half up.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

CENT = Decimal("0.01")
ZERO = Decimal(0)
EARNED = "earned"
ADJUSTMENT = "adjustment"
CLAWBACK = "clawback"
DIMENSIONS = ("product_line", "rep", "tier", "customer_kind")


class Basis(StrEnum):
    INVOICE = "invoice"
    PAYMENT = "payment"
    MARGIN = "margin"


class CustomerKind(StrEnum):
    NEW = "new"
    REPEAT = "repeat"


@dataclass(frozen=True)
class Rule:
    """``rate`` is a fraction (0.05 is 5%); ``valid_to`` is inclusive, None for open-ended."""

    id: int
    basis: Basis
    rate: Decimal
    valid_from: date
    valid_to: date | None = None
    product_line: str | None = None
    rep: int | None = None
    tier: str | None = None
    customer_kind: CustomerKind | None = None

    def matches(self, line: SaleLine) -> bool:
        if line.sold_on < self.valid_from or (self.valid_to and line.sold_on > self.valid_to):
            return False
        return all(
            getattr(self, name) is None or getattr(self, name) == getattr(line, name)
            for name in DIMENSIONS
        )


@dataclass(frozen=True)
class SaleLine:
    """A line of a sale, as commissions see it. ``invoiced`` is the net amount invoiced (tax
    excluded), ``paid`` what has been paid of it to date, ``margin`` invoiced minus cost.
    A return does not change these: it goes through :func:`clawback` (lowering them as
    well would take the commission back twice)."""

    id: int
    rep: int
    sold_on: date
    product_line: str
    tier: str
    customer_kind: CustomerKind
    quantity: Decimal
    invoiced: Decimal
    paid: Decimal = ZERO
    margin: Decimal = ZERO

    def base(self, basis: Basis) -> Decimal:
        """A loss-making line (negative margin) earns nothing rather than charging the rep."""
        if basis is Basis.INVOICE:
            return self.invoiced
        if basis is Basis.PAYMENT:
            return self.paid
        return max(self.margin, ZERO)


@dataclass(frozen=True)
class CommissionLine:
    """One movement of commission: ``kind`` is EARNED, ADJUSTMENT (the base went down, e.g.
    a margin revised) or CLAWBACK (a return; ``reference`` the RMA, ``reverses`` the ids of
    the lines it takes back from). ``id`` is the caller's, once stored."""

    sale_line_id: int
    rule_id: int
    rep: int
    on: date
    basis: Basis
    base: Decimal
    rate: Decimal
    amount: Decimal
    kind: str = EARNED
    reference: str = ""
    reverses: tuple[int, ...] = ()
    id: int | None = None


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def check(rule: Rule) -> None:
    """``ValueError`` naming the field when a rule cannot be saved as it is."""
    if not ZERO <= rule.rate <= 1:
        raise ValueError(f"rate: {rule.rate} is not between 0 and 1 (rule {rule.id})")
    if rule.valid_to is not None and rule.valid_to < rule.valid_from:
        raise ValueError(f"valid_to: {rule.valid_to} is before valid_from (rule {rule.id})")


@dataclass(frozen=True)
class Overlap:
    """Two rules that can match the same sale in the same period with the same basis: the
    lower id first, the shared period, and the sale they both match described per
    dimension (a value, or None where both match any)."""

    first: int
    second: int
    basis: Basis
    valid_from: date
    valid_to: date | None
    shared: tuple[tuple[str, Hashable | None], ...]


def overlap(a: Rule, b: Rule) -> Overlap | None:
    """The overlap of two rules, or None; the same whichever is passed first."""
    if a.basis != b.basis or a.id == b.id:
        return None
    start = max(a.valid_from, b.valid_from)
    ends = [day for day in (a.valid_to, b.valid_to) if day is not None]
    end = min(ends) if ends else None
    if end is not None and end < start:
        return None
    shared = []
    for name in DIMENSIONS:
        mine, theirs = getattr(a, name), getattr(b, name)
        if mine is not None and theirs is not None and mine != theirs:
            return None
        shared.append((name, mine if mine is not None else theirs))
    low, high = sorted((a.id, b.id))
    return Overlap(low, high, a.basis, start, end, tuple(shared))


def overlaps(rules: Sequence[Rule]) -> list[Overlap]:
    """Every overlapping pair among ``rules`` (compared within each basis)."""
    by_basis: dict[Basis, list[Rule]] = defaultdict(list)
    for rule in rules:
        by_basis[rule.basis].append(rule)
    found: list[Overlap] = []
    for group in by_basis.values():
        for i, a in enumerate(group):
            found.extend(o for b in group[i + 1 :] if (o := overlap(a, b)) is not None)
    return sorted(found, key=lambda o: (o.first, o.second))


def commission(
    lines: Iterable[SaleLine],
    rules: Sequence[Rule],
    on: date,
    earlier: Iterable[CommissionLine] = (),
) -> list[CommissionLine]:
    """The commission still due on sale lines, dated ``on``: per line and matching rule,
    the cumulative amount (base x rate, to the cent) minus what ``earlier`` lines already
    gave. Two matching rules on one basis is an overlap: ``ValueError`` names them."""
    given = _given(earlier)
    made = []
    for line in lines:
        for rule in _matching(line, rules):
            base = line.base(rule.basis)
            before_base, before_amount = given.get((line.id, rule.id), (ZERO, ZERO))
            amount = money(base * rule.rate) - before_amount
            if amount == 0 and base == before_base:
                continue
            kind = EARNED if amount >= 0 and base >= before_base else ADJUSTMENT
            made.append(
                CommissionLine(
                    line.id,
                    rule.id,
                    line.rep,
                    on,
                    rule.basis,
                    base - before_base,
                    rule.rate,
                    amount,
                    kind,
                )
            )
    return made


def _given(earlier: Iterable[CommissionLine]) -> dict[tuple[int, int], tuple[Decimal, Decimal]]:
    """Base and amount already commissioned per (sale line, rule), clawbacks apart."""
    given: dict[tuple[int, int], tuple[Decimal, Decimal]] = {}
    for line in earlier:
        if line.kind != CLAWBACK:
            base, amount = given.get((line.sale_line_id, line.rule_id), (ZERO, ZERO))
            given[(line.sale_line_id, line.rule_id)] = (base + line.base, amount + line.amount)
    return given


def _matching(line: SaleLine, rules: Sequence[Rule]) -> list[Rule]:
    found = [rule for rule in rules if rule.matches(line)]
    by_basis: dict[Basis, list[int]] = defaultdict(list)
    for rule in found:
        by_basis[rule.basis].append(rule.id)
    for basis, ids in by_basis.items():
        if len(ids) > 1:
            raise ValueError(
                f"rule: rules {sorted(ids)} overlap on {basis} for sale line {line.id}"
            )
    return found


@dataclass(frozen=True)
class Return:
    """Quantity of a sale line returned (an RMA or a credit note), on a day."""

    sale_line_id: int
    quantity: Decimal
    on: date
    reference: str = ""


def clawback(
    sale: SaleLine,
    paid: Sequence[CommissionLine],
    returned_before: Decimal,
    returned: Return,
) -> list[CommissionLine]:
    """Negative lines taking back commission for ``returned``, one per rule that paid on
    the sale line. ``paid`` are the sale line's commission lines so far (clawbacks
    included), ``returned_before`` the quantity returned before this return. The cumulative
    clawback is the returned share of what was earned, never more than was paid."""
    _check_return(sale, returned_before, returned)
    share = (returned_before + returned.quantity) / sale.quantity
    made = []
    for rule_id, mine in _by_rule(sale, paid).items():
        earned = sum((line.amount for line in mine if line.kind != CLAWBACK), ZERO)
        taken = -sum((line.amount for line in mine if line.kind == CLAWBACK), ZERO)
        due = min(money(earned * share), earned) - taken
        if due <= 0:
            continue
        first = mine[0]
        made.append(
            CommissionLine(
                sale.id,
                rule_id,
                first.rep,
                returned.on,
                first.basis,
                -money(sum((line.base for line in mine if line.kind != CLAWBACK), ZERO) * share),
                first.rate,
                -due,
                CLAWBACK,
                returned.reference,
                tuple(line.id for line in mine if line.kind != CLAWBACK and line.id is not None),
            )
        )
    return made


def _check_return(sale: SaleLine, returned_before: Decimal, returned: Return) -> None:
    if returned.sale_line_id != sale.id:
        raise ValueError(f"sale_line_id: return is for line {returned.sale_line_id}, not {sale.id}")
    if returned.quantity <= 0:
        raise ValueError(f"quantity: {returned.quantity} returned must be positive")
    if sale.quantity <= 0:
        raise ValueError(f"quantity: sale line {sale.id} has nothing sold to return")
    if returned_before < 0 or returned_before + returned.quantity > sale.quantity:
        raise ValueError(
            f"quantity: {returned_before + returned.quantity} returned in all is more than "
            f"the {sale.quantity} sold on line {sale.id}"
        )


def _by_rule(sale: SaleLine, paid: Sequence[CommissionLine]) -> dict[int, list[CommissionLine]]:
    grouped: dict[int, list[CommissionLine]] = defaultdict(list)
    for line in paid:
        if line.sale_line_id != sale.id:
            raise ValueError(f"paid: a commission line of sale line {line.sale_line_id}")
        grouped[line.rule_id].append(line)
    return grouped


@dataclass(frozen=True)
class Statement:
    """A rep's commission for a period (``start`` to ``end`` inclusive): the lines, what
    was earned (adjustments included), what was clawed back, and the net. The preview
    before settling is this same statement over the lines not yet settled."""

    rep: int
    start: date
    end: date
    lines: tuple[CommissionLine, ...]
    earned: Decimal
    clawed_back: Decimal
    net: Decimal


def statements(lines: Iterable[CommissionLine], start: date, end: date) -> list[Statement]:
    """One statement per rep with lines dated in the period, ordered by rep as given."""
    if end < start:
        raise ValueError(f"end: {end} is before start {start}")
    by_rep: dict[int, list[CommissionLine]] = defaultdict(list)
    for line in lines:
        if start <= line.on <= end:
            by_rep[line.rep].append(line)
    made = []
    for rep, mine in by_rep.items():
        ordered = tuple(sorted(mine, key=lambda line: (line.on, line.sale_line_id, line.rule_id)))
        earned = sum((line.amount for line in ordered if line.kind != CLAWBACK), ZERO)
        clawed = -sum((line.amount for line in ordered if line.kind == CLAWBACK), ZERO)
        made.append(Statement(rep, start, end, ordered, earned, clawed, earned - clawed))
    return made
