"""The products an opportunity is about: setting (replacing) its lines.

Each line names a commerce SKU, checked through commerce's selectors by the same check quotes
use (:func:`~lealtad.sales.services.quote_pricing.products_on_sale`): a product the catalog
does not have, or no longer sells, refuses the lines naming it. The price is the catalog's
unless the seller writes the one they expect to agree, less an optional discount.

The deal's **amount follows its lines**: when lines are set, the amount becomes the sum of
their nets (quantity times unit price, less the discount, each rounded to the cent), so the
board and the forecast weigh what is being sold; a caller may keep the amount
(``update_amount=False``), and clearing the lines leaves the amount as it was. A won or
lost deal's lines are frozen, like its stage: what it closed with stays as it closed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lealtad.commerce import selectors as commerce
from lealtad.core import audit
from lealtad.core.audit import Actor
from lealtad.core.db import insert_new, storable_keys
from lealtad.core.errors import DomainError
from lealtad.core.models import AuditEntry
from lealtad.sales.choices import StageKind
from lealtad.sales.models import Opportunity, OpportunityLine
from lealtad.sales.services.common import SalesConflict, SalesNotFound, SalesRefused
from lealtad.sales.services.quote_pricing import products_on_sale

CENT = Decimal("0.01")
MOST_LINES = 200
MOST_QUANTITY = Decimal(100_000)


@dataclass(frozen=True)
class LineIn:
    sku: str
    quantity: Decimal | str | int
    unit_price: Decimal | str | None = None  # the catalog's price when left out
    discount_percent: Decimal | str = Decimal(0)


@dataclass(frozen=True)
class SetLines:
    opportunity_id: int
    lines: Sequence[LineIn]
    update_amount: bool = True


def net(line: OpportunityLine) -> Decimal:
    """What the line is worth: quantity times unit price less its discount, to the cent."""
    gross = line.quantity * line.unit_price
    return (gross * (Decimal(100) - line.discount_percent) / 100).quantize(CENT, ROUND_HALF_UP)


def set_lines(batch: Sequence[SetLines], actor: Actor) -> list[Opportunity]:
    """Replace each opportunity's lines; all opportunities or none. A refusal names the line
    (``lines[2].sku``, or ``rows[1].lines[2].sku`` in a batch of several)."""
    with transaction.atomic():
        found = _locked([s.opportunity_id for s in batch])
        entries: list[AuditEntry] = []
        for i, wanted in enumerate(batch):
            prefix = f"rows[{i}]." if len(batch) > 1 else ""
            opportunity = found.get(wanted.opportunity_id)
            if opportunity is None:
                raise SalesNotFound(
                    _("There is no such opportunity."), field=f"{prefix}opportunity"
                )
            try:
                lines = _checked(opportunity, wanted.lines)
            except DomainError as refused:
                refused.field = f"{prefix}{refused.field}"
                raise
            entries.append(_replace(opportunity, lines, wanted.update_amount, actor))
        insert_new(entries)
    return [found[s.opportunity_id] for s in batch]


def _locked(ids: Sequence[int]) -> dict[int, Opportunity]:
    rows = (
        Opportunity.objects.select_for_update()
        .select_related("stage")
        .filter(pk__in=storable_keys(ids))
        .order_by("pk")
    )
    return {o.pk: o for o in rows}


def _checked(opportunity: Opportunity, lines: Sequence[LineIn]) -> list[OpportunityLine]:
    if opportunity.stage.kind != StageKind.OPEN:
        raise SalesConflict(
            _("Opportunity %(number)s is %(state)s: its products can no longer change."),
            field="lines",
            code="opportunity_closed",
            number=opportunity.number,
            state=opportunity.stage.get_kind_display(),
        )
    if len(lines) > MOST_LINES:
        raise SalesRefused(_("At most 200 lines."), field="lines")
    made = [_line(opportunity, i, line) for i, line in enumerate(lines)]
    _once_each(made)
    items = products_on_sale(made)
    for i, (line, row) in enumerate(zip(lines, made, strict=True)):
        _priced(opportunity, i, items[row.sku], row, list_price=line.unit_price is None)
    return made


def _once_each(rows: list[OpportunityLine]) -> None:
    seen: dict[str, int] = {}
    for i, row in enumerate(rows):
        if row.sku in seen:
            raise SalesRefused(
                _("%(sku)s is already on line %(n)s; change its quantity there."),
                field=f"lines[{i}].sku",
                kind="conflict",
                sku=row.sku,
                n=seen[row.sku],
            )
        seen[row.sku] = i


def _line(opportunity: Opportunity, i: int, line: LineIn) -> OpportunityLine:
    sku = line.sku.strip()
    if not sku or len(sku) > 60:
        raise SalesRefused(_("A SKU of 1 to 60 characters."), field=f"lines[{i}].sku")
    quantity = _decimal(line.quantity, 3, f"lines[{i}].quantity")
    if not 0 < quantity <= MOST_QUANTITY:
        raise SalesRefused(_("Quantity above 0, up to 100,000."), field=f"lines[{i}].quantity")
    price = _decimal(line.unit_price or 0, 2, f"lines[{i}].unit_price")
    discount = _decimal(line.discount_percent, 2, f"lines[{i}].discount_percent")
    if discount > 100:
        raise SalesRefused(
            _("A discount is between 0 and 100%%."), field=f"lines[{i}].discount_percent"
        )
    return OpportunityLine(
        opportunity=opportunity,
        sku=sku,
        quantity=quantity,
        unit_price=price,
        discount_percent=discount,
    )


def _decimal(value: Decimal | str | int, places: int, field: str) -> Decimal:
    """A number of at most ``places`` decimals, zero or above, below 10^12."""
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise SalesRefused(_("Not a number."), field=field) from None
    step = Decimal(1).scaleb(-places)
    if not number.is_finite() or number < 0 or number >= Decimal(10) ** 12:
        raise SalesRefused(_("A number from 0 below a trillion."), field=field)
    if number != number.quantize(step):
        raise SalesRefused(_("At most %(n)s decimals."), field=field, n=places)
    return number.quantize(step)


def _priced(
    opportunity: Opportunity,
    i: int,
    item: commerce.SaleItem,
    row: OpportunityLine,
    *,
    list_price: bool,
) -> None:
    if item.currency != opportunity.currency:
        raise SalesRefused(
            _("%(sku)s is priced in %(currency)s; this deal is in %(deal)s."),
            field=f"lines[{i}].sku",
            code="currency_mismatch",
            kind="conflict",
            sku=item.sku,
            currency=item.currency,
            deal=opportunity.currency,
        )
    row.description = item.description()[:200]
    if list_price:
        row.unit_price = item.price


def _text(line: OpportunityLine) -> str:
    """A line as the audit trail keeps it: ``CAM-01 x 2 @ 15.00 -10%``."""
    off = f" -{line.discount_percent.normalize():f}%" if line.discount_percent else ""
    return f"{line.sku} x {line.quantity.normalize():f} @ {line.unit_price}{off}"


def _replace(
    opportunity: Opportunity, lines: list[OpportunityLine], update_amount: bool, actor: Actor
) -> AuditEntry:
    before = [_text(r) for r in opportunity.lines.order_by("id")]
    old_amount = opportunity.amount
    opportunity.lines.all().delete()
    insert_new(lines)
    if update_amount and lines:
        opportunity.amount = sum((net(r) for r in lines), Decimal("0.00"))
        if opportunity.amount >= Decimal(10) ** 12:
            raise SalesRefused(_("The lines add up to more than a deal can hold."), field="lines")
    opportunity.updated_at = timezone.now()
    opportunity.save(update_fields=["amount", "updated_at"])
    changes: dict[str, list[Any]] = {"lines": [before, [_text(r) for r in lines]]}
    if opportunity.amount != old_amount:
        changes["amount"] = [str(old_amount), str(opportunity.amount)]
    return audit.build(
        actor,
        "set_opportunity_lines",
        "sales.opportunity",
        opportunity.number,
        changes,
        customer_id=opportunity.customer_id,
    )
