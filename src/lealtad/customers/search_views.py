"""The customer search page, for the keyboard: type, press Enter, and the customer a whole key
names (a cédula, an e-mail, a phone only they hold) opens; anything else lists the matches a
page at a time with the total, each row with what tells namesakes apart.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from lealtad.core.access import require
from lealtad.core.roles import Capability
from lealtad.core.rules import Reader
from lealtad.customers.models import Customer
from lealtad.customers.selectors import search_page as pages


@login_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """The page; submitted (Enter) with a key only one customer holds, that customer's page.

    The redirect leaves no history entry of its own, so Back returns to the search, not here.
    """
    who = require(request, Capability.LOOKUP)
    query = request.GET.get("q", "")
    single = pages.exact_match(query, who.reader) if query.strip() else None
    if single is not None and "page" not in request.GET:
        return redirect("customers:detail", single.pk)
    context = _context(request, query, who.reader, single)
    return render(request, "customers/search.html", context)


@login_required
@require_GET
def results(request: HttpRequest) -> HttpResponse:
    """The results alone, for htmx as the user types (with the customer Enter would open)."""
    who = require(request, Capability.LOOKUP)
    query = request.GET.get("q", "")
    single = pages.exact_match(query, who.reader) if query.strip() else None
    context = _context(request, query, who.reader, single)
    return render(request, "customers/_results.html", context)


def _context(
    request: HttpRequest, query: str, reader: Reader, single: Customer | None
) -> dict[str, object]:
    page = pages.search_page(query, pages.page_number(request.GET.get("page")), reader)
    return {"query": query, "page": page, "results": page.rows, "single": single}
