"""Quote pages under ``/sales/quotes/``: the list, the editor (its totals priced live over
htmx by the same service that saves it), a version's page with its actions, and its PDF.
Thin: the services decide; a refusal is shown as the page's message, naming the line."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from lealtad.core.access import require
from lealtad.core.errors import DomainError
from lealtad.core.refusals import shown_as_message
from lealtad.core.roles import Capability
from lealtad.sales import selectors_quotes
from lealtad.sales.models import Quote
from lealtad.sales.quote_document import QuoteDocument
from lealtad.sales.services import quote_acceptance, quote_pricing, quote_sending, quotes
from lealtad.sales.services.common import SalesRefused

EMPTY_ROWS = 3
LINE_FIELDS = ("sku", "quantity", "group", "discount_percent", "discount_amount")


def _decimal(value: str, name: str) -> Decimal:
    try:
        return Decimal(value.strip() or "0")
    except InvalidOperation:
        raise SalesRefused(_("Not a number."), field=name) from None


def _form_input(post: Any) -> quotes.QuoteInput:
    """The editor's fields; rows left without a SKU are ignored."""
    rows = zip(*(post.getlist(f"line_{f}") for f in LINE_FIELDS), strict=False)
    lines = []
    for i, (sku, quantity, group, percent, amount) in enumerate(rows):
        if not sku.strip():
            continue
        if not quantity.strip().isdigit():
            raise SalesRefused(_("A whole number of units."), field=f"lines[{i}].quantity")
        lines.append(
            quotes.LineInput(
                sku=sku.strip(),
                quantity=int(quantity),
                group=group.strip(),
                discount_percent=_decimal(percent, f"lines[{i}].discount_percent"),
                discount_amount=_decimal(amount, f"lines[{i}].discount_amount"),
            )
        )
    customer = post.get("customer_id", "").strip()
    return quotes.QuoteInput(
        country=post.get("country", "").strip().upper(),
        customer_id=int(customer) if customer.isdigit() else None,
        opportunity=post.get("opportunity", "").strip(),
        title=post.get("title", "").strip(),
        channel=post.get("channel", "field").strip() or "field",
        language=post.get("language", "es"),
        valid_until=parse_date(post.get("valid_until", "").strip() or "x") or None,
        discount_percent=_decimal(post.get("discount_percent", ""), "discount_percent"),
        discount_amount=_decimal(post.get("discount_amount", ""), "discount_amount"),
        lines=lines,
    )


def _editor_rows(data: quotes.QuoteInput | None) -> list[dict[str, Any]]:
    rows = [{f: getattr(line, f) for f in LINE_FIELDS} for line in (data.lines if data else [])]
    return rows + [{} for _ in range(EMPTY_ROWS)]


def _version(number: str, asked: str) -> Quote:
    """The version asked for (``?version=``), else the latest one."""
    if asked.isdigit() and len(asked) <= 6:
        return quotes.version_of(number, int(asked))
    return quotes.latest(number)


@login_required
@require_GET
def quote_list(request: HttpRequest) -> HttpResponse:
    require(request, Capability.SALES_WORK)
    status = request.GET.get("status", "")
    rows = selectors_quotes.recent(status=status)
    return render(
        request,
        "sales/quote_list.html",
        {"quotes": rows, "status": status, "statuses": Quote.Status.choices},
    )


@login_required
def quote_new(request: HttpRequest) -> HttpResponse:
    who = require(request, Capability.SALES_WORK)
    data = None
    if request.method == "POST":
        with shown_as_message(request) as outcome:
            data = _form_input(request.POST)
            made = quotes.create_quote(data, who.actor)
        if not outcome.refused:
            return redirect("sales:quote", made.number)
    initial = {
        "customer_id": request.GET.get("customer", ""),
        "opportunity": request.GET.get("opportunity", ""),
    }
    return render(
        request,
        "sales/quote_editor.html",
        {"data": data, "rows": _editor_rows(data), "initial": initial, "quote": None},
    )


@login_required
def quote_edit(request: HttpRequest, number: str) -> HttpResponse:
    who = require(request, Capability.SALES_WORK)
    quote = quotes.latest(number)
    data = quotes.input_of(quote)
    if request.method == "POST":
        with shown_as_message(request) as outcome:
            data = _form_input(request.POST)
            quotes.update_draft(number, data, who.actor)
        if not outcome.refused:
            return redirect("sales:quote", number)
    return render(
        request,
        "sales/quote_editor.html",
        {"data": data, "rows": _editor_rows(data), "initial": {}, "quote": quote},
    )


@login_required
@require_POST
def quote_preview(request: HttpRequest) -> HttpResponse:
    """The editor's totals as they would be saved (htmx): priced by the same service, shown by
    the same fragment as the page and the PDF; nothing is written."""
    require(request, Capability.SALES_WORK)
    try:
        data = _form_input(request.POST)
        if data.customer_id is None:
            raise SalesRefused(_("Give a customer."), field="customer_id")
        priced = quote_pricing.price(data, data.customer_id)
    except DomainError as exc:
        return render(request, "sales/_quote_refusal.html", {"refusal": exc})
    rate_name = priced.tax_name
    doc = QuoteDocument(
        number="-",
        version=1,
        title=data.title,
        customer=selectors_quotes.customer_name(data.customer_id),
        issued=timezone.localdate(),
        valid_until=data.valid_until,
        currency=priced.currency,
        country=data.country,
        tax_name=rate_name,
        status="",
        totals=priced.totals,
    )
    return render(request, "sales/_quote_document.html", {"doc": doc})


@login_required
@require_GET
def quote_detail(request: HttpRequest, number: str) -> HttpResponse:
    who = require(request, Capability.SALES_WORK)
    quote = _version(number, request.GET.get("version", ""))
    latest = quotes.latest(number)
    context = {
        "quote": quote,
        "doc": selectors_quotes.document(quote),
        "versions": selectors_quotes.versions(number),
        "is_latest": quote.pk == latest.pk,
        "may_decide": who.can(Capability.SALES_MANAGE),
        "limit": quotes.approval_limit(),
    }
    return render(request, "sales/quote_detail.html", context)


@login_required
@require_GET
def quote_pdf(request: HttpRequest, number: str) -> HttpResponse:
    require(request, Capability.SALES_WORK)
    quote = _version(number, request.GET.get("version", ""))
    response = HttpResponse(quote_sending.pdf_of(quote), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{quote.number}-v{quote.version}.pdf"'
    return response


@login_required
@require_POST
def quote_action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    who = require(request, Capability.SALES_WORK)
    target = reverse("sales:quote", args=[number])
    with shown_as_message(request):
        if action == "submit":
            quotes.submit(number, who.actor)
        elif action in ("approve", "reject"):
            require(request, Capability.SALES_MANAGE)
            quotes.decide(number, action == "approve", request.POST.get("note", ""), who.actor)
        elif action == "send":
            quote_sending.send(number, request.POST.get("to", "").strip(), who.actor)
        elif action == "revise":
            quotes.revise(number, who.actor)
        elif action == "accept":
            require(request, Capability.SELL)
            terms = {
                "fulfilment": "ship",
                "ship_address_kind": request.POST.get("ship_address_kind", "home"),
                "payment": {"on_file": True},
            }
            quote_acceptance.accept(number, terms, who.actor)
        else:
            raise Http404(action)
    return redirect(target)


urlpatterns = [
    path("quotes/", quote_list, name="quotes"),
    path("quotes/new/", quote_new, name="quote_new"),
    path("quotes/preview/", quote_preview, name="quote_preview"),
    path("quotes/<str:number>/", quote_detail, name="quote"),
    path("quotes/<str:number>/edit/", quote_edit, name="quote_edit"),
    path("quotes/<str:number>/pdf/", quote_pdf, name="quote_pdf"),
    path(
        "quotes/<str:number>/<str:action>/",
        quote_action,
        name="quote_action",
    ),
]
