"""Return merchandise authorizations: authorize, receive, inspect, then repair, replace or
refund, against orders from any channel and several orders of one customer at once.

The money and the goods are commerce's: a refund with the goods back is a commerce return (the
paid share back on the original payment, the units on the receiving shelf), a refund without
them is a commerce price adjustment, a replacement is a commerce exchange. This module only
writes its own rows and calls those services inside its transaction, so a refusal from
commerce (more than was paid, goods not received) rolls everything back. ``rma.*`` events
carry the orders and amounts so loyalty and commissions can claw back in their contexts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lealtad.commerce.schemas import AdjustmentIn, ExchangeIn, LineIn, ReturnIn, ReturnLineIn
from lealtad.commerce.selectors.orders import find_order
from lealtad.commerce.services import exchanges, refunds, returns
from lealtad.commerce.services.common import SaleContext
from lealtad.core.audit import Actor
from lealtad.core.envelope import BUILTIN_CHANNELS
from lealtad.service.choices import EntryKind
from lealtad.service.models import Case, Rma, RmaLine
from lealtad.service.services import cases
from lealtad.service.services.contracts import waives_return
from lealtad.service.services.field_common import (
    FieldNotFound,
    FieldRefused,
    FieldState,
    announce,
    numbered,
    placeholder,
)

CENTS = Decimal("0.01")
PENDING = (Rma.Status.AUTHORIZED, Rma.Status.RECEIVED, Rma.Status.INSPECTED)


@dataclass
class RmaLineIn:
    order_number: str
    sku: str
    quantity: int = 1
    serial: str = ""


@dataclass
class NewRma:
    customer_id: int
    reason: str
    lines: list[RmaLineIn] = field(default_factory=list)
    case_id: int | None = None
    channel: str = "web"
    return_required: bool | None = None  # None: as the customer's contracts say


def _check_line(
    i: int, line: RmaLineIn, customer_id: int, asked: dict[tuple[str, str], int]
) -> Any:
    where = f"lines.{i}"
    if line.quantity < 1:
        raise FieldRefused(_("Return at least one unit."), field=f"{where}.quantity")
    order = find_order(line.order_number)
    if order is None:
        raise FieldNotFound(
            _("There is no order %(o)s."), field=f"{where}.order_number", o=line.order_number
        )
    if order.customer_id != customer_id:
        raise FieldNotFound(  # another customer's order is not there for this one
            _("There is no order %(o)s."), field=f"{where}.order_number", o=line.order_number
        )
    ordered = [ol for ol in order.lines.all() if ol.sku == line.sku]
    if not ordered:
        raise FieldRefused(
            _("%(s)s is not on order %(o)s."),
            field=f"{where}.sku",
            kind="conflict",
            s=line.sku,
            o=order.number,
        )
    received = sum(ol.shipped - ol.returned for ol in ordered)
    pending = (
        RmaLine.objects.filter(
            rma__status__in=PENDING, order_number=order.number, sku=line.sku
        ).aggregate(n=Sum("quantity"))["n"]
        or 0
    )
    key = (order.number, line.sku)
    asked[key] += line.quantity
    if asked[key] > received - pending:
        raise FieldRefused(
            _("Only %(n)s of %(s)s on order %(o)s can still come back."),
            field=f"{where}.quantity",
            kind="conflict",
            n=max(received - pending, 0),
            s=line.sku,
            o=order.number,
        )
    return order


def _check_channel(channel: str) -> None:
    if channel not in BUILTIN_CHANNELS:
        raise FieldRefused(_("There is no channel %(c)s."), field="channel", c=channel)


def authorize(new: NewRma, actor: Actor) -> Rma:
    """Authorize the return of goods from one or several of the customer's orders."""
    _check_channel(new.channel)
    reason = new.reason.strip()
    if not 3 <= len(reason) <= 250:
        raise FieldRefused(_("Give a reason (3 to 250 characters)."), field="reason")
    if not new.lines:
        raise FieldRefused(_("An RMA needs at least one line."), field="lines")
    with transaction.atomic():
        asked: dict[tuple[str, str], int] = defaultdict(int)
        orders = [_check_line(i, ln, new.customer_id, asked) for i, ln in enumerate(new.lines)]
        if new.case_id is not None and not Case.objects.filter(pk=new.case_id).exists():
            raise FieldNotFound(_("There is no case %(c)s."), field="case_id", c=new.case_id)
        needs_return = new.return_required
        if needs_return is None:
            needs_return = not waives_return(new.customer_id, timezone.localdate())
        rma = Rma.objects.create(
            number=placeholder(),
            customer_id=new.customer_id,
            case_id=new.case_id,
            return_required=needs_return,
            reason=reason,
            channel=new.channel,
            created_at=timezone.now(),
            created_by=actor.label[:150],
        )
        numbered(rma, "RMA")
        for line, order in zip(new.lines, orders, strict=True):
            RmaLine.objects.create(
                rma=rma,
                order_number=order.number,
                sku=line.sku,
                quantity=line.quantity,
                serial=line.serial.strip(),
            )
        _announce(rma, "rma.authorized")
        _on_case(rma, actor)
    return rma


def _locked(number: str) -> Rma:
    found = Rma.objects.select_for_update().filter(number=number).first()
    if found is None:
        raise FieldNotFound(_("There is no RMA %(n)s."), field="number", n=number)
    return found


def receive(number: str, location: str, actor: Actor, channel: str = "") -> Rma:
    """The goods arrived at ``location`` (any store or warehouse, whatever channel sold them)."""
    if channel:
        _check_channel(channel)
    with transaction.atomic():
        rma = _locked(number)
        if not rma.return_required:
            raise FieldState(_("RMA %(n)s needs no goods back."), field="number", n=number)
        if rma.status != Rma.Status.AUTHORIZED:
            raise FieldState(
                _("RMA %(n)s was already received (%(s)s)."), field="number", n=number, s=rma.status
            )
        returns.receiving_location(location)  # refuses an unknown location
        rma.status, rma.received_at = Rma.Status.RECEIVED, timezone.now()
        rma.received_location = location
        rma.channel = channel or rma.channel
        rma.save(update_fields=["status", "received_at", "received_location", "channel"])
        _announce(rma, "rma.received")
        _on_case(rma, actor)
    return rma


def inspect(number: str, faulty: bool, note: str, actor: Actor) -> Rma:
    with transaction.atomic():
        rma = _locked(number)
        ready = rma.status == Rma.Status.RECEIVED or (
            rma.status == Rma.Status.AUTHORIZED and not rma.return_required
        )
        if not ready:
            raise FieldState(
                _("RMA %(n)s cannot be inspected now (%(s)s)."),
                field="number",
                n=number,
                s=rma.status,
            )
        rma.status, rma.faulty, rma.inspection = Rma.Status.INSPECTED, faulty, note.strip()
        rma.save(update_fields=["status", "faulty", "inspection"])
    return rma


def resolve(
    number: str, resolution: str, actor: Actor, refund_amount: Decimal | None = None
) -> Rma:
    """Repair, replace or refund, the last two through commerce."""
    if resolution not in Rma.Resolution.values:
        raise FieldRefused(_("There is no resolution %(r)s."), field="resolution", r=resolution)
    with transaction.atomic():
        rma = _locked(number)
        if rma.status != Rma.Status.INSPECTED:
            raise FieldState(
                _("RMA %(n)s must be inspected first (it is %(s)s)."),
                field="number",
                n=number,
                s=rma.status,
            )
        lines = list(rma.lines.all())
        ctx = SaleContext(actor, rma.channel)
        if resolution == Rma.Resolution.REFUND:
            rma.refund_amount = _refund(rma, lines, ctx, refund_amount)
        elif resolution == Rma.Resolution.REPLACE:
            _replace(rma, lines, ctx)
        rma.status, rma.resolution, rma.resolved_at = (
            Rma.Status.RESOLVED,
            resolution,
            timezone.now(),
        )
        rma.save(update_fields=["status", "resolution", "resolved_at", "refund_amount"])
        _announce(rma, "rma.resolved")
        _on_case(rma, actor)
    return rma


def _by_order(lines: list[RmaLine]) -> dict[str, list[RmaLine]]:
    grouped: dict[str, list[RmaLine]] = defaultdict(list)
    for line in lines:
        grouped[line.order_number].append(line)
    return grouped


def _order(number: str) -> Any:
    order = find_order(number)
    if order is None:
        raise FieldNotFound(_("There is no order %(o)s."), field="order_number", o=number)
    return order


def _refund(rma: Rma, lines: list[RmaLine], ctx: SaleContext, asked: Decimal | None) -> Decimal:
    if rma.return_required:
        if asked is not None:
            raise FieldRefused(
                _("A refund with the goods back is what they were paid; give no amount."),
                field="refund_amount",
                kind="conflict",
            )
        return _refund_returned(rma, lines, ctx)
    return _refund_kept(rma, lines, ctx, asked)


def _refund_returned(rma: Rma, lines: list[RmaLine], ctx: SaleContext) -> Decimal:
    total = Decimal("0.00")
    for order_number, mine in _by_order(lines).items():
        data = ReturnIn(
            channel=rma.channel,
            location=rma.received_location,
            reason=f"{rma.number}: {rma.reason}"[:250],
            lines=[ReturnLineIn(sku=ln.sku, quantity=ln.quantity) for ln in mine],
            restock=not rma.faulty,
            idempotency_key=f"{rma.number}:{order_number}",
        )
        ret, _created = returns.take_return(_order(order_number), data, ctx)
        total += ret.refund_amount
        RmaLine.objects.filter(pk__in=[ln.pk for ln in mine]).update(commerce_reference=ret.number)
    return total


def _paid(order: Any, line: RmaLine) -> Decimal:
    ordered = [ol for ol in order.lines.all() if ol.sku == line.sku]
    each = sum((ol.total / ol.quantity for ol in ordered if ol.quantity), Decimal(0)) / len(ordered)
    return (each * line.quantity).quantize(CENTS)


def _refund_kept(
    rma: Rma, lines: list[RmaLine], ctx: SaleContext, asked: Decimal | None
) -> Decimal:
    """No goods back: a price adjustment per order, the paid share of the lines (or less)."""
    shares = {}
    for order_number, mine in _by_order(lines).items():
        order = _order(order_number)
        shares[order_number] = (order, sum((_paid(order, ln) for ln in mine), Decimal(0)))
    paid = sum((s for _o, s in shares.values()), Decimal(0))
    left = paid if asked is None else asked
    if left <= 0 or left > paid:
        raise FieldRefused(
            _("A refund is more than 0 and at most %(p)s, what these goods were paid."),
            field="refund_amount",
            kind="conflict",
            p=paid,
        )
    total = Decimal("0.00")
    for order_number, (order, share) in shares.items():
        amount = min(share, left - total)
        if amount <= 0:
            break
        data = AdjustmentIn.model_validate(  # money travels as text ("12.50")
            {
                "amount": str(amount),
                "reason": f"{rma.number}: {rma.reason}"[:250],
                "channel": rma.channel,
            }
        )
        adjustment = refunds.adjust_price(order, data, ctx)
        total += amount
        RmaLine.objects.filter(rma=rma, order_number=order_number).update(
            commerce_reference=f"ADJ-{adjustment.pk}"
        )
    return total


def _replace(rma: Rma, lines: list[RmaLine], ctx: SaleContext) -> None:
    if not rma.return_required:
        raise FieldRefused(
            _("A replacement needs the goods back; refund or repair instead."),
            field="resolution",
            kind="conflict",
        )
    for order_number, mine in _by_order(lines).items():
        data = ExchangeIn(
            channel=rma.channel,
            location=rma.received_location,
            reason=f"{rma.number}: {rma.reason}"[:250],
            returns=[ReturnLineIn(sku=ln.sku, quantity=ln.quantity) for ln in mine],
            replacements=[
                LineIn(sku=ln.sku, quantity=ln.quantity, location=rma.received_location)
                for ln in mine
            ],
            idempotency_key=f"{rma.number}:{order_number}",
        )
        done, _created = exchanges.exchange(_order(order_number), data, ctx)
        RmaLine.objects.filter(pk__in=[ln.pk for ln in mine]).update(commerce_reference=done.number)


def cancel(number: str, actor: Actor) -> Rma:
    with transaction.atomic():
        rma = _locked(number)
        if rma.status not in (Rma.Status.AUTHORIZED,):
            raise FieldState(
                _("RMA %(n)s can no longer be cancelled (%(s)s)."),
                field="number",
                n=number,
                s=rma.status,
            )
        rma.status = Rma.Status.CANCELLED
        rma.save(update_fields=["status"])
        _announce(rma, "rma.cancelled")
    return rma


def _on_case(rma: Rma, actor: Actor) -> None:
    """A line on the case's history (internal) when the RMA came from a case."""
    if rma.case_id is None:
        return
    case = Case.objects.get(pk=rma.case_id)
    text = f"{rma.number}: {rma.get_status_display()}"
    if rma.resolution:
        text += f" ({rma.get_resolution_display()}, {rma.refund_amount})"
    cases.entry(case, EntryKind.NOTE, actor, body=text, data={"rma": rma.number})


def _announce(rma: Rma, event_type: str, lines: list[RmaLine] | None = None) -> None:
    rows = lines if lines is not None else list(rma.lines.all())
    announce(
        event_type,
        rma.number,
        {
            "rma": rma.number,
            "case_id": rma.case_id,
            "status": rma.status,
            "resolution": rma.resolution,
            "refund": rma.refund_amount,
            "return_required": rma.return_required,
            "orders": sorted({ln.order_number for ln in rows}),
            "lines": [
                {
                    "order": ln.order_number,
                    "sku": ln.sku,
                    "quantity": ln.quantity,
                    "commerce_reference": ln.commerce_reference,
                }
                for ln in rows
            ],
        },
        rma.customer_id,
    )
