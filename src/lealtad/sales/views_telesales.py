"""The telesales page (``sales:telesales``): the call lists sales handed to the dialer, with
who was left out and the outcomes so far, and the form that builds one from a marketing
segment or from open leads. Thin: :mod:`.services.telesales` decides."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from lealtad.contactcenter import selectors as center
from lealtad.core.access import require
from lealtad.core.errors import DomainError
from lealtad.core.roles import Capability
from lealtad.marketing.selectors import segments
from lealtad.sales.models import TelesalesList
from lealtad.sales.models.telesales import TelesalesOutcome
from lealtad.sales.services import telesales
from lealtad.sales.services.common import SalesRefused

LEFT_OUT = {
    telesales.NO_PHONE: _("no phone"),
    telesales.REFUSED: _("refused calls"),
    telesales.NO_CONSENT: _("no consent to calls"),
    telesales.NO_CUSTOMER: _("not a customer yet"),
}
OUTCOMES = {**dict(TelesalesOutcome.choices), "pending": _("not called yet")}


def _row(found: TelesalesList) -> dict[str, Any]:
    return {
        "list": found,
        "left_out": [(LEFT_OUT.get(k, k), n) for k, n in found.skipped.items()],
        "outcomes": [(OUTCOMES.get(k, k), n) for k, n in telesales.outcome_counts(found).items()],
    }


@login_required
@require_http_methods(["GET", "POST"])
def telesales_page(request: HttpRequest) -> HttpResponse:
    who = require(request, Capability.SALES_WORK)
    context: dict[str, Any] = {"form": request.POST or {}}
    if request.method == "POST":
        require(request, Capability.SALES_MANAGE)
        try:
            context["made"] = _build(request.POST, who.actor)
            context["form"] = {}
        except DomainError as refused:
            context["refusal"], context["refused_field"] = refused.message, refused.field
    context.update(
        lists=[_row(found) for found in telesales.lists()],
        segments=segments.listing(),
        queues=list(center.queues().filter(active=True).values_list("name", flat=True)),
        may_build=who.can(Capability.SALES_MANAGE),
    )
    return render(
        request, "sales/telesales.html", context, status=422 if "refusal" in context else 200
    )


def _build(form: QueryDict, actor: Any) -> telesales.ListReport:
    setup = telesales.ListSettings(
        name=form.get("name", "").strip(),
        queue=form.get("queue", "").strip(),
        mode=form.get("mode", "preview"),
        purpose=form.get("purpose", "marketing") or "marketing",
        limit=_number(form, "limit"),
    )
    if form.get("source") == "segment":
        segment = _number(form, "segment")
        if segment is None:
            raise SalesRefused(field="segment")
        return telesales.list_from_segment(segment, setup, actor)
    return telesales.list_from_leads(setup, actor, min_score=_number(form, "min_score"))


def _number(form: QueryDict, name: str) -> int | None:
    raw = form.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise SalesRefused(field=name)
    return int(raw)


urlpatterns = [path("telesales/", telesales_page, name="telesales")]
