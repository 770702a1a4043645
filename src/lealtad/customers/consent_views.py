"""The customer's own page: confirming a double opt-in from the signed link in the email.

No sign-in: the signed, timestamped token is the customer's key. Opening the link only shows
what is asked (mail scanners open links on their own); the consent comes into force when the
customer presses the button.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from lealtad.customers import services


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    try:
        change = services.pending_confirmation(token)
        if request.method == "POST":
            change = services.confirm_consent(token)
    except services.ConsentRefused as exc:  # the page says which link problem, in its words
        return render(
            request, "customers/consent_confirm.html", {"problem": exc.field}, status=exc.status
        )
    return render(request, "customers/consent_confirm.html", {"change": change})
