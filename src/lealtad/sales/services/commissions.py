"""Commission statements: the preview of a rep's period before settling, the settlement
(a statement whose lines and totals never change again; a second settlement of a period
already settled is refused), and the hub messages that accrue commission.

Commerce has no invoice apart from the order: an order is invoiced when it is placed (the
receipt is the invoice), so the invoice and margin bases accrue on ``order.placed``, the
payment basis on ``payment.captured``; ``order.returned`` and the service desk's
``rma.received`` / ``rma.resolved`` claw back (see :mod:`.commission_accrual`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lealtad.core.audit import Actor
from lealtad.sales.models import CommissionLine, CommissionStatement
from lealtad.sales.services import commission_accrual
from lealtad.sales.services.common import SalesConflict, SalesNotFound, SalesRefused
from lealtad.sales_engine import commissions as engine


@dataclass(frozen=True)
class Period:
    rep_id: int
    start: date
    end: date


def check_period(rep: Any, start: Any, end: Any) -> Period:
    """The rep (a user id or username) and the period's days, or a refusal naming the field."""
    users = get_user_model().objects
    found = (
        users.filter(pk=int(rep)).first()
        if str(rep).isdigit()
        else users.filter(username=str(rep)).first()
    )
    if found is None:
        raise SalesNotFound(_("No user %(rep)s."), field="rep", rep=rep)
    days = []
    for name, value in (("start", start), ("end", end)):
        try:
            days.append(value if isinstance(value, date) else date.fromisoformat(str(value)))
        except ValueError:
            raise SalesRefused(_("Not a date (YYYY-MM-DD)."), field=name) from None
    if days[1] < days[0]:
        raise SalesRefused(_("The period ends before it starts."), field="end")
    return Period(found.pk, days[0], days[1])


def _unsettled(period: Period) -> list[CommissionLine]:
    return list(
        CommissionLine.objects.filter(
            rep_id=period.rep_id,
            statement__isnull=True,
            on__gte=period.start,
            on__lte=period.end,
        )
        .select_related("sale", "rule")
        .order_by("on", "id")
    )


def _summary(period: Period, rows: Sequence[CommissionLine]) -> engine.Statement:
    found = engine.statements(
        [commission_accrual.as_line(row) for row in rows], period.start, period.end
    )
    if found:
        return found[0]
    zero = engine.ZERO
    return engine.Statement(period.rep_id, period.start, period.end, (), zero, zero, zero)


def preview(period: Period) -> dict[str, Any]:
    """What settling the period would give, without settling: the lines not settled yet."""
    rows = _unsettled(period)
    return _document(period, _summary(period, rows), rows, None)


def _refuse_settled(period: Period) -> None:
    clash = (
        CommissionStatement.objects.select_for_update()
        .filter(rep_id=period.rep_id)
        .filter(Q(period_start__lte=period.end) & Q(period_end__gte=period.start))
        .first()
    )
    if clash is not None:
        raise SalesConflict(
            _("%(start)s to %(end)s is settled already for this rep (statement %(id)s)."),
            field="period",
            code="commission_period_settled",
            start=clash.period_start.isoformat(),
            end=clash.period_end.isoformat(),
            id=clash.pk,
        )
    later = CommissionStatement.objects.filter(
        rep_id=period.rep_id, period_start__gt=period.end
    ).exists()
    if later:
        raise SalesConflict(
            _("A later period is settled already: settle periods in order."),
            field="period",
            code="commission_period_order",
        )


def settle(period: Period, actor: Actor) -> dict[str, Any]:
    """Settle the rep's period: one statement, its lines bound to it for good."""
    with transaction.atomic():
        _refuse_settled(period)
        rows = list(
            CommissionLine.objects.select_for_update().filter(
                rep_id=period.rep_id,
                statement__isnull=True,
                on__gte=period.start,
                on__lte=period.end,
            )
        )
        summary = _summary(period, rows)
        statement = CommissionStatement.objects.create(
            rep_id=period.rep_id,
            period_start=period.start,
            period_end=period.end,
            earned=summary.earned,
            clawed_back=summary.clawed_back,
            net=summary.net,
            settled_at=timezone.now(),
            settled_by=actor.label[:150],
        )
        CommissionLine.objects.filter(pk__in=[row.pk for row in rows]).update(statement=statement)
    return statement_document(statement.pk)


def statement_document(statement_id: int) -> dict[str, Any]:
    statement = CommissionStatement.objects.filter(pk=statement_id).first()
    if statement is None:
        raise SalesNotFound(_("No statement %(id)s."), field="statement", id=statement_id)
    period = Period(statement.rep_id, statement.period_start, statement.period_end)
    rows = list(statement.lines.select_related("sale", "rule").order_by("on", "id"))
    return _document(period, _summary(period, rows), rows, statement)


def settled(period: Period) -> dict[str, Any]:
    """The statement settled for exactly this rep and period."""
    found = CommissionStatement.objects.filter(
        rep_id=period.rep_id, period_start=period.start, period_end=period.end
    ).first()
    if found is None:
        raise SalesNotFound(
            _("Nothing settled for this rep from %(start)s to %(end)s."),
            field="period",
            start=period.start.isoformat(),
            end=period.end.isoformat(),
        )
    return statement_document(found.pk)


def _document(
    period: Period,
    summary: engine.Statement,
    rows: Sequence[CommissionLine],
    statement: CommissionStatement | None,
) -> dict[str, Any]:
    rep = get_user_model().objects.get(pk=period.rep_id)
    return {
        "statement_id": statement.pk if statement else None,
        "settled": statement is not None,
        "settled_at": statement.settled_at if statement else None,
        "rep_id": rep.pk,
        "rep": rep.get_username(),
        "start": period.start,
        "end": period.end,
        "earned": summary.earned,
        "clawed_back": summary.clawed_back,
        "net": summary.net,
        "lines": [_line(row) for row in rows],
    }


def _line(row: CommissionLine) -> dict[str, Any]:
    return {
        "id": row.pk,
        "on": row.on,
        "order": row.sale.order_number,
        "sku": row.sale.sku,
        "rule_id": row.rule_id,
        "rule": row.rule.name,
        "kind": row.kind,
        "basis": row.basis,
        "base": row.base,
        "rate": row.rate,
        "amount": row.amount,
        "reference": row.reference,
        "original_id": row.original_id,
    }


# Hub messages ------------------------------------------------------------------------------


def orders_of(event_type: str, payload: dict[str, Any]) -> dict[str, str]:
    """The orders a message is about, each with the reference a clawback would name."""
    if event_type.startswith("rma."):
        rma = str(payload.get("rma") or "")
        return {str(o): rma for o in payload.get("orders") or () if o}
    order = str(payload.get("order") or "")
    if not order:
        return {}
    return {
        order: str(
            payload.get("return")
            or payload.get("exchange_ref")
            or payload.get("reference")
            or order
        )
    }


def apply_messages(messages: Sequence[Any]) -> int:
    """Accrue what a dispatcher pass of messages changed; messages seen before are skipped.
    Returns the commission lines made."""
    with transaction.atomic():
        fresh = commission_accrual.new_events((m.event_id, m.event_type) for m in messages)
        made = 0
        for message in messages:
            if message.event_id not in fresh:
                continue
            fresh.discard(message.event_id)  # the same id twice in one pass: once
            orders = orders_of(message.event_type, message.payload)
            if orders:
                on = timezone.localdate(message.created_at)
                made += len(commission_accrual.accrue(orders, on))
        return made


__all__ = [
    "Period",
    "apply_messages",
    "check_period",
    "orders_of",
    "preview",
    "settle",
    "settled",
    "statement_document",
]
