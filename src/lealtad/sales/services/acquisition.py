"""Recording what each lead source cost in a month, so the dashboard can say what a lead and
a won customer cost per channel.

Marketing keeps a cost per campaign (a fixed cost and a cost per message sent), but its
campaigns speak to existing customers and its selectors do not share those costs; the lead
sources (web form, fairs and events, telemarketing, imports …) are spent on outside Lealtad.
So the spend is recorded here, per source, month and currency. Recording a source and month
again replaces the figure (a corrected invoice), and the change is audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lealtad.core import audit
from lealtad.core.audit import Actor
from lealtad.core.db import insert_new
from lealtad.core.models import AuditEntry
from lealtad.sales.choices import LeadSource
from lealtad.sales.models import AcquisitionSpend
from lealtad.sales.services.common import SalesRefused, where

MOST = Decimal("999999999999.99")


@dataclass(frozen=True)
class Spend:
    source: str
    month: date  # any day of the month
    amount: Decimal | str
    currency: str = "USD"
    note: str = ""


@dataclass(frozen=True)
class _Checked:
    source: str
    month: date
    amount: Decimal
    currency: str
    note: str


def _money(value: Decimal | str, field: str) -> Decimal:
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise SalesRefused(_("The amount is not a number."), field=field) from None
    if not amount.is_finite() or amount < 0:
        raise SalesRefused(_("A spend cannot be negative."), field=field)
    if amount > MOST or amount != amount.quantize(Decimal("0.01")):
        raise SalesRefused(_("An amount up to 999,999,999,999.99, in cents."), field=field)
    return amount.quantize(Decimal("0.01"))


def _check(spend: Spend, i: int, size: int, this_month: date) -> _Checked:
    if spend.source not in LeadSource.values:
        raise SalesRefused(
            _("%(source)s is not a lead source (%(known)s)."),
            field=where(i, size, "source"),
            code="unknown_source",
            source=spend.source,
            known=", ".join(LeadSource.values),
        )
    month = spend.month.replace(day=1)
    if month > this_month:
        raise SalesRefused(
            _("%(month)s has not begun yet: spend is recorded for months under way or past."),
            field=where(i, size, "month"),
            code="month_not_begun",
            kind="conflict",
            month=f"{month:%m/%Y}",
        )
    currency = spend.currency.strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        raise SalesRefused(_("A currency's three letters."), field=where(i, size, "currency"))
    if len(spend.note) > 200:
        raise SalesRefused(_("A note of up to 200 characters."), field=where(i, size, "note"))
    amount = _money(spend.amount, where(i, size, "amount"))
    return _Checked(spend.source, month, amount, currency, spend.note.strip())


def record_spend(batch: Sequence[Spend], actor: Actor) -> list[AcquisitionSpend]:
    """Set each source's spend for its month (all or none; a later row of the batch for the
    same source and month wins). Returns the rows as kept, in the batch's order."""
    this_month = timezone.localdate().replace(day=1)
    checked = [_check(s, i, len(batch), this_month) for i, s in enumerate(batch)]
    now = timezone.now()
    with transaction.atomic():
        kept = _existing(checked)
        entries = []
        for c in checked:
            row = kept.get((c.source, c.month, c.currency))
            before = row.amount if row is not None else None
            if row is None:
                row = AcquisitionSpend(source=c.source, month=c.month, currency=c.currency)
                kept[(c.source, c.month, c.currency)] = row
            row.amount, row.note, row.updated_at = c.amount, c.note, now
            row.recorded_by_id = actor.user_id
            row.save()
            if before != c.amount:
                entries.append(_audit(actor, c, before))
        insert_new(entries)
    return [kept[(c.source, c.month, c.currency)] for c in checked]


def _existing(checked: list[_Checked]) -> dict[tuple[str, date, str], AcquisitionSpend]:
    rows = AcquisitionSpend.objects.select_for_update().filter(
        source__in={c.source for c in checked},
        month__in={c.month for c in checked},
        currency__in={c.currency for c in checked},
    )
    return {(r.source, r.month, r.currency): r for r in rows}


def _audit(actor: Actor, c: _Checked, before: Decimal | None) -> AuditEntry:
    return audit.build(
        actor,
        "record_acquisition_spend",
        "sales.acquisition_spend",
        f"{c.source}:{c.month:%Y-%m}:{c.currency}",
        {"amount": [audit.jsonable(before), audit.jsonable(c.amount)]},
    )
