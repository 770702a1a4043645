"""Quotes: drafting and repricing, versions, approval of large discounts.

Only a draft changes. Sending (:mod:`.quote_sending`) and accepting (:mod:`.quote_acceptance`)
work on a decided version; a revision copies the latest version into a new draft with the
next version number, and the earlier versions stay as they were, read-only.
"""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lealtad.core import audit
from lealtad.core.audit import Actor
from lealtad.customers.selectors import references as customer_references
from lealtad.sales.models import Opportunity, Quote, QuoteLine
from lealtad.sales.services.common import SalesConflict, SalesNotFound, SalesRefused
from lealtad.sales.services.quote_pricing import LineInput, Priced, QuoteInput, price

__all__ = [
    "LineInput",
    "QuoteInput",
    "approval_limit",
    "create_quote",
    "decide",
    "latest",
    "revise",
    "submit",
    "update_draft",
]

Status = Quote.Status
# Versions that are no longer the quote's word once a newer version exists.
_OPEN = (Status.DRAFT, Status.PENDING_APPROVAL, Status.APPROVED, Status.REJECTED)


def approval_limit() -> Decimal:
    """The seller's discount (percent of the subtotal) above which a manager approves."""
    return Decimal(str(getattr(settings, "LEALTAD_SALES_QUOTE_APPROVAL_LIMIT", "10")))


def latest(number: str, *, lock: bool = False) -> Quote:
    rows = Quote.objects.filter(number=number).order_by("-version")
    if lock:
        rows = rows.select_for_update()
    found = rows.first()
    if found is None:
        raise SalesNotFound(_("No quote %(number)s."), field="number", number=number)
    return found


def version_of(number: str, version: int) -> Quote:
    found = Quote.objects.filter(number=number, version=version).first()
    if found is None:
        raise SalesNotFound(
            _("No version %(v)s of quote %(number)s."), field="version", v=version, number=number
        )
    return found


def _customer_of(data: QuoteInput) -> tuple[int, Opportunity | None]:
    opportunity = None
    customer_id = data.customer_id
    if data.opportunity:
        opportunity = Opportunity.objects.filter(number=data.opportunity).first()
        if opportunity is None:
            raise SalesNotFound(_("No opportunity %(n)s."), field="opportunity", n=data.opportunity)
        customer_id = customer_id or opportunity.customer_id
    if customer_id is None:
        raise SalesConflict(_("Give a customer, or an opportunity with one."), field="customer_id")
    live = customer_references.live_reference(customer_id)
    if live is None:
        raise SalesNotFound(_("No customer %(id)s."), field="customer_id", id=customer_id)
    return live.pk, opportunity


def _check_heading(data: QuoteInput) -> None:
    if len(data.country) != 2 or not data.country.isalpha():
        raise SalesRefused(_("A country's two-letter ISO code."), field="country")
    if data.language not in ("es", "en"):
        raise SalesRefused(_("Spanish (es) or English (en)."), field="language")


def _write_priced(quote: Quote, data: QuoteInput, priced: Priced) -> None:
    totals = priced.totals
    quote.title = data.title[:200]
    quote.channel = data.channel
    quote.country = data.country.upper()
    quote.language = data.language
    quote.valid_until = data.valid_until
    quote.discount_percent = data.discount_percent
    quote.discount_amount = data.discount_amount
    quote.currency = priced.currency
    quote.tax_name = priced.tax_name
    quote.tax_rate = totals.tax_rate
    quote.subtotal, quote.discount = totals.subtotal, totals.discount
    quote.tax, quote.total = totals.tax, totals.total
    quote.negotiated_percent = totals.negotiated_percent
    quote.promotions = priced.promotions
    quote.priced_at = quote.updated_at = timezone.now()
    quote.save()
    QuoteLine.objects.filter(quote=quote).delete()
    amounts = {line.sku: line for line in totals.lines}
    QuoteLine.objects.bulk_create(
        QuoteLine(
            quote=quote,
            position=i,
            group=spec.group[:100],
            sku=spec.sku,
            product=spec.product,
            category=spec.category,
            description=spec.description,
            quantity=spec.quantity,
            discount_percent=spec.discount_percent,
            discount_amount=spec.discount_amount,
            unit_price=spec.unit_price,
            base=amounts[spec.sku].base,
            discount=amounts[spec.sku].discount,
            tax=amounts[spec.sku].tax,
        )
        for i, spec in enumerate(priced.specs)
    )


def _audit(actor: Actor, action: str, quote: Quote, **changes: object) -> None:
    audit.record(
        actor,
        action,
        "sales.quote",
        f"{quote.number}:v{quote.version}",
        {k: [None, audit.jsonable(v)] for k, v in changes.items()},
        customer_id=quote.customer_id,
    )


def create_quote(data: QuoteInput, actor: Actor) -> Quote:
    """A new quote, version 1, priced now; refused whole if a line is wrong."""
    _check_heading(data)
    customer_id, opportunity = _customer_of(data)
    priced = price(data, customer_id)
    now = timezone.now()
    with transaction.atomic():
        quote = Quote(
            number=f"COT-{secrets.token_hex(4).upper()}",
            customer_id=customer_id,
            opportunity=opportunity,
            created_by_id=actor.user_id,
            created_at=now,
            updated_at=now,
        )
        _write_priced(quote, data, priced)
        _audit(actor, "create_quote", quote, total=quote.total, currency=quote.currency)
    return quote


def update_draft(number: str, data: QuoteInput, actor: Actor) -> Quote:
    """Rewrite and reprice the latest version, which must still be a draft."""
    _check_heading(data)
    with transaction.atomic():
        quote = latest(number, lock=True)
        if quote.status != Status.DRAFT:
            raise SalesConflict(
                _("Version %(v)s is %(status)s and can no longer change; revise the quote."),
                field="number",
                code="quote_not_draft",
                v=quote.version,
                status=quote.get_status_display(),
            )
        customer_id, _opportunity = _customer_of(data)
        if customer_id != quote.customer_id:
            raise SalesConflict(_("A quote stays with its customer."), field="customer_id")
        _write_priced(quote, data, price(data, customer_id))
        _audit(actor, "update_quote", quote, total=quote.total)
    return quote


def input_of(quote: Quote) -> QuoteInput:
    """What a version was written from, to price it again as a new draft."""
    return QuoteInput(
        country=quote.country,
        customer_id=quote.customer_id,
        opportunity=quote.opportunity.number if quote.opportunity else "",
        title=quote.title,
        channel=quote.channel,
        language=quote.language,
        valid_until=quote.valid_until,
        discount_percent=quote.discount_percent,
        discount_amount=quote.discount_amount,
        lines=[
            LineInput(
                sku=line.sku,
                quantity=line.quantity,
                group=line.group,
                discount_percent=line.discount_percent,
                discount_amount=line.discount_amount,
            )
            for line in quote.lines.all()
        ],
    )


def revise(number: str, actor: Actor) -> Quote:
    """A new draft version copied from the latest one and priced today; the earlier version
    is kept as it was (a version never sent nor decided is marked superseded)."""
    with transaction.atomic():
        current = latest(number, lock=True)
        if current.status == Status.ACCEPTED:
            raise SalesConflict(
                _("Quote %(number)s was accepted into order %(order)s."),
                field="number",
                code="quote_accepted",
                number=number,
                order=current.order_number,
            )
        if current.status == Status.DRAFT:
            raise SalesConflict(
                _("Version %(v)s is still a draft: edit it."), field="number", v=current.version
            )
        data = input_of(current)
        if current.status in _OPEN:
            current.status = Status.SUPERSEDED
            current.updated_at = timezone.now()
            current.save(update_fields=["status", "updated_at"])
        now = timezone.now()
        quote = Quote(
            number=number,
            version=current.version + 1,
            customer_id=current.customer_id,
            opportunity=current.opportunity,
            created_by_id=actor.user_id,
            created_at=now,
            updated_at=now,
        )
        _write_priced(quote, data, price(data, current.customer_id))
        _audit(actor, "revise_quote", quote, version=quote.version, total=quote.total)
    return quote


def submit(number: str, actor: Actor) -> Quote:
    """Close the draft: approved at once when the seller's discount is within the limit,
    else waiting for a sales manager."""
    with transaction.atomic():
        quote = latest(number, lock=True)
        if quote.status != Status.DRAFT:
            raise SalesConflict(
                _("Only a draft is submitted; version %(v)s is %(status)s."),
                field="number",
                v=quote.version,
                status=quote.get_status_display(),
            )
        needs = quote.negotiated_percent > approval_limit()
        quote.status = Status.PENDING_APPROVAL if needs else Status.APPROVED
        quote.updated_at = timezone.now()
        quote.save(update_fields=["status", "updated_at"])
        _audit(actor, "submit_quote", quote, status=quote.status)
    return quote


def decide(number: str, approve: bool, note: str, actor: Actor) -> Quote:
    """A sales manager's answer to a quote waiting for approval (who may is checked by the
    caller: the ``sales.manage`` capability)."""
    with transaction.atomic():
        quote = latest(number, lock=True)
        if quote.status != Status.PENDING_APPROVAL:
            raise SalesConflict(
                _("Version %(v)s is not waiting for approval (it is %(status)s)."),
                field="number",
                v=quote.version,
                status=quote.get_status_display(),
            )
        if not approve and not note.strip():
            raise SalesRefused(_("Say why the quote is rejected."), field="note")
        quote.status = Status.APPROVED if approve else Status.REJECTED
        quote.decided_by_id = actor.user_id
        quote.decided_at = quote.updated_at = timezone.now()
        quote.decision_note = note.strip()[:500]
        quote.save()
        _audit(actor, "approve_quote" if approve else "reject_quote", quote, note=note)
    return quote
