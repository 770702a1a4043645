"""The lead web form a company embeds in its own site (``/sales/forms/<slug>/``, no login),
its thank-you page, and the page that gives a sales manager the snippets to embed it.

The form page may be framed only by the sites its configuration names (CSP
``frame-ancestors``; with none, by no one, and ``X-Frame-Options: DENY`` stays). Its POST is
exempt from CSRF: it acts for no signed-in user (a framed page on another site gets no
cookie), and the signed timestamp the page carries is what proves the form was shown here.
Spam checks and the capture are :mod:`lealtad.sales.services.webforms`.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from lealtad.core.access import require
from lealtad.core.client_address import client_address
from lealtad.core.roles import Capability
from lealtad.sales.models import WebForm
from lealtad.sales.services import webforms

LANGUAGES = ("es", "en")
STATUS = {"too_fast": 400, "rate_limited": 429, "invalid": 400}


def _language(request: HttpRequest) -> str:
    asked = request.POST.get("lang") or request.GET.get("lang") or ""
    return asked if asked in LANGUAGES else translation.get_language()[:2]


def _framing(response: HttpResponse, form: WebForm) -> HttpResponse:
    """Framed only by the configured sites; no X-Frame-Options when some are named."""
    origins = webforms.frame_ancestors(form)
    response._csp_replace = {"frame-ancestors": origins or ["'none'"]}  # type: ignore[attr-defined]
    if origins:
        response.xframe_options_exempt = True  # type: ignore[attr-defined]
    return response


def _page(
    request: HttpRequest, form: WebForm, values: dict[str, Any], outcome: Any, status: int = 200
) -> HttpResponse:
    context = {
        "form": form,
        "values": values,
        "token": webforms.sign(form),
        "outcome": outcome,
        "honeypot": webforms.HONEYPOT,
        "lang": translation.get_language()[:2],
    }
    return _framing(render(request, "sales/webform.html", context, status=status), form)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def form_page(request: HttpRequest, slug: str) -> HttpResponse:
    form = webforms.active_form(slug)
    if form is None:
        raise Http404
    with translation.override(_language(request)):
        if request.method == "GET":
            return _page(request, form, {}, None)
        outcome = webforms.submit(form, request.POST, client_address(request))
        if outcome.status in ("captured", "repeat", "honeypot"):
            thanks = reverse("sales:webform_thanks", args=[form.slug])
            return _framing(redirect(f"{thanks}?lang={translation.get_language()[:2]}"), form)
        values: dict[str, Any] = {name: request.POST.get(name, "") for name in webforms.FIELDS}
        values["consent"] = bool(request.POST.get("consent"))
        return _page(request, form, values, outcome, STATUS.get(outcome.status, 200))


@require_GET
def thanks_page(request: HttpRequest, slug: str) -> HttpResponse:
    form = webforms.active_form(slug)
    if form is None:
        raise Http404
    with translation.override(_language(request)):
        page = render(request, "sales/webform_thanks.html", {"form": form})
        return _framing(page, form)


@login_required
@require_GET
def embed_page(request: HttpRequest, slug: str) -> HttpResponse:
    """The iframe and plain-HTML snippets for the company's site."""
    require(request, Capability.SALES_MANAGE)
    form = WebForm.objects.filter(slug=slug).first()
    if form is None:
        raise Http404
    url = request.build_absolute_uri(reverse("sales:webform", args=[form.slug]))
    context = {
        "form": form,
        "url": url,
        "origins": webforms.frame_ancestors(form),
        "fields": webforms.FIELDS,
    }
    return render(request, "sales/webform_embed.html", context)


@login_required
@require_GET
def forms_page(request: HttpRequest) -> HttpResponse:
    require(request, Capability.SALES_MANAGE)
    return render(request, "sales/webform_list.html", {"forms": WebForm.objects.all()})


urlpatterns = [
    path("forms/", forms_page, name="webforms"),
    path("forms/<slug:slug>/", form_page, name="webform"),
    path("forms/<slug:slug>/thanks/", thanks_page, name="webform_thanks"),
    path("forms/<slug:slug>/embed/", embed_page, name="webform_embed"),
]
