"""Reading quotes: a version as its page and PDF show it, a quote's versions, the list."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from lealtad.customers.selectors import references as customer_references
from lealtad.sales.models import Quote
from lealtad.sales.quote_document import QuoteDocument
from lealtad.sales.quote_totals import QuoteTotals, TotalsLine, grouped


def totals_of(quote: Quote) -> QuoteTotals:
    """The totals computed when the version was priced, as they were stored: the page and the
    PDF show a sent version exactly as it was sent, whatever prices did since."""
    lines = [
        TotalsLine(
            sku=line.sku,
            description=line.description,
            group=line.group,
            quantity=line.quantity,
            unit_price=line.unit_price,
            base=line.base,
            discount=line.discount,
            tax=line.tax,
        )
        for line in quote.lines.all()
    ]
    return QuoteTotals(
        groups=grouped(lines),
        tax_rate=quote.tax_rate,
        promotions=tuple(quote.promotions),
        negotiated=quote.subtotal * quote.negotiated_percent / 100,
    )


def customer_name(customer_id: int) -> str:
    live = customer_references.live_reference(customer_id)
    return str(live) if live is not None else f"#{customer_id}"


def document(quote: Quote) -> QuoteDocument:
    return QuoteDocument(
        number=quote.number,
        version=quote.version,
        title=quote.title,
        customer=customer_name(quote.customer_id),
        issued=timezone.localdate(quote.priced_at or quote.created_at),
        valid_until=quote.valid_until,
        currency=quote.currency,
        country=quote.country,
        tax_name=quote.tax_name,
        status=quote.get_status_display(),
        totals=totals_of(quote),
    )


def versions(number: str) -> list[Quote]:
    return list(Quote.objects.filter(number=number).order_by("-version"))


def recent(customer_id: int | None = None, status: str = "", limit: int = 100) -> QuerySet[Quote]:
    """The latest quotes first (each version is a row)."""
    rows = Quote.objects.order_by("-created_at", "-version")
    if customer_id is not None:
        rows = rows.filter(customer_id=customer_id)
    if status:
        rows = rows.filter(status=status)
    return rows[:limit]
