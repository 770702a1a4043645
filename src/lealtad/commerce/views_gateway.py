"""The test gateway's hosted card form, served by Lealtad because the test gateway has no
server of its own.

A real gateway hosts this page itself: the customer types the card there and the browser
comes back with a reference to it, so a card number never passes through Lealtad. This page
plays that part for :class:`lealtad.commerce.gateway.TestGateway` only (404 under any other
gateway), offline and deterministic, so the hosted-form sale is tested end to end.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from lealtad.commerce import gateway as gateways
from lealtad.core.access import require
from lealtad.core.roles import Capability


@login_required
@require_http_methods(["GET", "POST"])
def test_gateway_form(request: HttpRequest) -> HttpResponse:
    """Take a card number, give back the signed card reference to the sale's review page."""
    require(request, Capability.SELL)
    gateway = gateways.gateway()
    if not isinstance(gateway, gateways.TestGateway):
        raise Http404(_("This gateway hosts its own card form."))
    back = request.GET.get("return") or request.POST.get("return", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        raise Http404(_("No page to return to."))
    error = ""
    if request.method == "POST":
        try:
            card = gateway.tokenize(request.POST.get("card_number", ""))
        except gateways.PaymentDeclined:
            error = _("A card number has 12 to 19 digits.")
        else:
            joiner = "&" if "?" in back else "?"
            reference = urlencode({"hosted_card": gateway.hosted_reference(card)})
            return redirect(f"{back}{joiner}{reference}")
    return render(request, "commerce/test_gateway.html", {"back": back, "error": error}, status=200)
