"""A sent quote accepted: the order is placed by commerce's own placing service (the sales
context writes no commerce table), priced by the same calculation with the quote's negotiated
discounts as agreed terms, and refused unless its total is the quote's to the cent (a price or
promotion that moved since the quote was sent is a 409, nothing placed)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from pydantic import ValidationError

from lealtad.commerce.schemas import OrderIn
from lealtad.commerce.services import placement
from lealtad.commerce.services.common import SaleContext
from lealtad.core.audit import Actor
from lealtad.sales.models import Quote, QuoteLine
from lealtad.sales.quote_totals import LineSpec, negotiated_promotions
from lealtad.sales.services.common import SalesConflict, SalesRefused
from lealtad.sales.services.quote_pricing import LineInput, sale_items
from lealtad.sales.services.quotes import _audit, input_of, latest

Status = Quote.Status


def _check_acceptable(quote: Quote) -> None:
    if quote.status == Status.ACCEPTED:
        raise SalesConflict(
            _("Quote %(number)s was already accepted into order %(order)s."),
            field="number",
            code="quote_already_accepted",
            number=quote.number,
            order=quote.order_number,
        )
    if quote.status != Status.SENT:
        raise SalesConflict(
            _("Only a sent quote is accepted; version %(v)s is %(status)s."),
            field="number",
            code="quote_not_sent",
            v=quote.version,
            status=quote.get_status_display(),
        )


def order_request(quote: Quote, terms: dict[str, Any]) -> OrderIn:
    """The commerce order for the quote's lines; ``terms`` say how it is fulfilled and paid
    (``fulfilment``, ``ship_address_kind``/``ship_address_id`` or ``pickup_location``,
    ``payment``) as commerce's order request takes them."""
    try:
        return _validated(quote, terms)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise SalesRefused(
            _("%(why)s"), field=".".join(str(p) for p in first["loc"]), why=first["msg"]
        ) from None


def _validated(quote: Quote, terms: dict[str, Any]) -> OrderIn:
    return OrderIn.model_validate(
        {
            **terms,
            "customer_id": quote.customer_id,
            "channel": quote.channel,
            "lines": [{"sku": line.sku, "quantity": line.quantity} for line in quote.lines.all()],
            "idempotency_key": f"quote:{quote.number}:v{quote.version}",
            "expected_total": str(quote.total),
        }
    )


def accept(number: str, terms: dict[str, Any], actor: Actor) -> Quote:
    """Place the order for the latest version; a line whose product left the catalog since is
    refused by its position (422), accepting twice is refused (409)."""
    quote = latest(number)
    _check_acceptable(quote)
    data = input_of(quote)
    sale_items([LineInput(line.sku, line.quantity) for line in data.lines])
    agreed = negotiated_promotions(
        [_spec(line) for line in quote.lines.all()], quote.discount_percent, quote.discount_amount
    )
    request = order_request(quote, terms)
    ctx = SaleContext(actor=actor, channel=quote.channel)
    order, _created = placement.place_order(request, ctx, agreed)
    with transaction.atomic():
        quote = latest(number, lock=True)
        if quote.status == Status.ACCEPTED and quote.order_number == order.number:
            return quote  # a repeat: the order answered by its idempotency key
        _check_acceptable(quote)
        quote.status = Status.ACCEPTED
        quote.order_number = order.number
        quote.accepted_at = quote.updated_at = timezone.now()
        quote.save(update_fields=["status", "order_number", "accepted_at", "updated_at"])
        _audit(actor, "accept_quote", quote, order=order.number)
    return quote


def _spec(line: QuoteLine) -> LineSpec:
    return LineSpec(
        sku=line.sku,
        product=line.product,
        description=line.description,
        quantity=line.quantity,
        unit_price=line.unit_price,
        group=line.group,
        category=line.category,
        discount_percent=line.discount_percent,
        discount_amount=line.discount_amount,
    )
