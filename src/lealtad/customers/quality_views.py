"""The data-quality page: fields set aside at ingest and flagged phones, to fix or dismiss.

Thin views: the list reads through :mod:`.quality_selectors`; a fix or a dismissal goes through
:mod:`.quality`, which validates the corrected value as an event's field would be, applies it
through the customers services and audits it (docs/data-quality.md).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from lealtad.core.access import require
from lealtad.core.audit import Actor
from lealtad.core.refusals import shown_as_message
from lealtad.core.roles import Capability
from lealtad.customers import choices, quality, quality_selectors, services
from lealtad.customers.models import DataQualityIssue

UI_CHANNEL = "back_office"
PAGE_SIZE = 200
ADDRESS_FIELDS = ("line1", "line2", "city", "region", "postal_code", "country")
HOUSEHOLD_FIELDS = ("name", "role", "size")
FIELD_CHOICES: dict[str, Any] = {
    "gender": choices.Gender.choices,
    "marital_status": choices.MaritalStatus.choices,
    "income_band": choices.IncomeBand.choices,
    "lifecycle_status": choices.LifecycleStatus.choices,
    "preferred_channel": choices.Channel.choices,
    "language": [("es", "Español"), ("en", "English"), ("qu", "Kichwa"), ("pt", "Português")],
}


@login_required
@require_GET
def quality_list(request: HttpRequest) -> HttpResponse:
    who = require(request, Capability.EDIT)
    field = request.GET.get("field", "")
    channel = request.GET.get("channel", "")
    everything = quality_selectors.issues(reader=who.reader)
    rows = quality_selectors.issues(field=field, channel=channel, reader=who.reader)
    issues = list(rows[:PAGE_SIZE])
    return render(
        request,
        "customers/quality.html",
        {
            "issues": [(i, _form_kind(i), FIELD_CHOICES.get(i.field, ())) for i in issues],
            "shown": len(issues),
            "total": rows.count(),
            "by_field": quality_selectors.counts_by_field(everything),
            "channels": quality_selectors.channels_of(everything),
            "field": field,
            "channel": channel,
            "address_fields": ADDRESS_FIELDS,
        },
    )


def _form_kind(issue: DataQualityIssue) -> str:
    if issue.field in ("address", "household"):
        return issue.field
    return "choice" if issue.field in FIELD_CHOICES else "text"


@login_required
@require_POST
def fix(request: HttpRequest, issue_id: int) -> HttpResponse:
    who = require(request, Capability.EDIT)
    issue = _issue(issue_id, who)
    value = _posted_value(request, issue.field)
    with shown_as_message(request, _("Not corrected: %(reason)s")) as outcome:
        quality.fix_issue(issue.pk, value, _context(request))
    if not outcome.refused:
        messages.success(request, _("Corrected and applied to %(name)s.") % _named(issue))
    return _back(request)


@login_required
@require_POST
def dismiss(request: HttpRequest, issue_id: int) -> HttpResponse:
    who = require(request, Capability.EDIT)
    issue = _issue(issue_id, who)
    with shown_as_message(request) as outcome:
        quality.dismiss_issue(issue.pk, _context(request))
    if not outcome.refused:
        messages.success(request, _("Dismissed for %(name)s.") % _named(issue))
    return _back(request)


def _issue(issue_id: int, who: Any) -> DataQualityIssue:
    found = quality_selectors.issue(issue_id, who.reader)
    if found is None:
        raise Http404(_("No such data-quality issue."))
    return found


def _posted_value(request: HttpRequest, field: str) -> Any:
    if field == "address":
        return {name: request.POST.get(name, "").strip() for name in ADDRESS_FIELDS}
    if field == "household":
        return {name: request.POST.get(name, "").strip() for name in HOUSEHOLD_FIELDS}
    return request.POST.get("value", "")


def _context(request: HttpRequest) -> services.ChangeContext:
    return services.ChangeContext(Actor.for_user(request.user, UI_CHANNEL), channel=UI_CHANNEL)


def _named(issue: DataQualityIssue) -> dict[str, str]:
    return {"name": issue.customer.display_name}


def _back(request: HttpRequest) -> HttpResponse:
    kept = {k: request.POST.get(k, "") for k in ("field", "channel") if request.POST.get(k)}
    url = redirect("customers:quality").url
    return redirect(f"{url}?{urlencode(kept)}" if kept else url)
