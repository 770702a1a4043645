"""An opportunity's page (``sales:opportunity``): what the deal is, its stage history and its
products, with a small form to rewrite the products while the deal is open. The form posts
to the opportunity lines service; a refusal comes back in words naming the line."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from lealtad.core.access import require
from lealtad.core.errors import DomainError
from lealtad.core.refusals import shown_as_message
from lealtad.core.roles import Capability
from lealtad.sales import selectors
from lealtad.sales.selectors_opportunity_lines import lines_of
from lealtad.sales.selectors_quotes import customer_name
from lealtad.sales.services.opportunity_lines import LineIn, SetLines, set_lines

BLANK_ROWS = 3
MOST_ROWS = 200


@login_required
@require_GET
def opportunity_page(request: HttpRequest, opportunity_id: int) -> HttpResponse:
    require(request, Capability.SALES_WORK)
    found = lines_of(opportunity_id)
    deal = found.opportunity
    context = {
        "deal": deal,
        "customer": customer_name(deal.customer_id) if deal.customer_id else "",
        "history": selectors.stage_history(deal),
        "found": found,
        "blank_rows": range(len(found.lines), len(found.lines) + BLANK_ROWS),
    }
    return render(request, "sales/opportunity.html", context)


def _lines_posted(request: HttpRequest) -> tuple[list[LineIn], list[int]]:
    """The form's rows in order and the form row each came from; a row with neither SKU nor
    quantity is an empty row."""
    post = request.POST
    lines, rows = [], []
    for i in range(MOST_ROWS):
        sku, quantity = post.get(f"sku-{i}", "").strip(), post.get(f"quantity-{i}", "").strip()
        if f"sku-{i}" not in post:
            break
        if not sku and not quantity:
            continue
        price = post.get(f"unit_price-{i}", "").strip() or None
        discount = post.get(f"discount-{i}", "").strip() or "0"
        lines.append(LineIn(sku, quantity or "0", price, discount))
        rows.append(i)
    return lines, rows


def _on_form_rows(refused: DomainError, rows: list[int]) -> None:
    """A refusal names the posted line (``lines[1].sku``); the form's rows may skip empty
    ones, so name the row the seller sees instead."""
    match = re.match(r"lines\[(\d+)\](.*)", refused.field)
    if match and int(match[1]) < len(rows):
        refused.field = f"lines[{rows[int(match[1])]}]{match[2]}"


@login_required
@require_POST
def set_opportunity_lines(request: HttpRequest, opportunity_id: int) -> HttpResponse:
    who = require(request, Capability.SALES_WORK)
    keep = request.POST.get("keep_amount") == "on"
    lines, rows = _lines_posted(request)
    with shown_as_message(request) as outcome:
        try:
            set_lines([SetLines(opportunity_id, lines, update_amount=not keep)], who.actor)
        except DomainError as refused:
            _on_form_rows(refused, rows)
            raise
    if not outcome.refused:
        messages.success(request, _("Products saved."))
    return redirect("sales:opportunity", opportunity_id=opportunity_id)


urlpatterns = [
    path("opportunities/<int:opportunity_id>/", opportunity_page, name="opportunity"),
    path(
        "opportunities/<int:opportunity_id>/lines/",
        set_opportunity_lines,
        name="opportunity_lines",
    ),
]
