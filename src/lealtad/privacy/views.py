"""The privacy officer's pages: requests with their due dates, one request with its steps and
actions, retention policies with a dry run. Thin: each page checks ``privacy.manage``, reads
through the selectors and acts through the services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lealtad.core.access import require
from lealtad.core.refusals import shown_as_message
from lealtad.core.roles import Capability
from lealtad.customers.selectors import subject as customers_subject
from lealtad.privacy import retention, selectors, services
from lealtad.privacy.choices import DataClass, RequestKind, RequestStatus
from lealtad.privacy.models import DataSubjectRequest

FILTERS = ("open", "overdue", "closed", "all")


def _officer(request: HttpRequest) -> services.Officer:
    who = require(request, Capability.PRIVACY)
    return services.Officer(who.actor)


def _int(value: str | None) -> int | None:
    try:
        return int(value or "")
    except ValueError:
        return None


@login_required
@require_http_methods(["GET", "POST"])
def request_list(request: HttpRequest) -> HttpResponse:
    who = _officer(request)
    if request.method == "POST":
        return _open(request, who)
    shown = request.GET.get("show", "open")
    shown = shown if shown in FILTERS else "open"
    rows = list(selectors.requests("open" if shown == "overdue" else shown, shown == "overdue"))
    names = customers_subject.display_names([r.customer_id for r in rows])
    for r in rows:
        r.customer_name = names.get(r.customer_id, f"#{r.customer_id}")  # type: ignore[attr-defined]
        r.overdue = selectors.is_overdue(r)  # type: ignore[attr-defined]
    return render(
        request,
        "privacy/requests.html",
        {"rows": rows, "shown": shown, "filters": FILTERS, "kinds": RequestKind.choices},
    )


def _open(request: HttpRequest, who: services.Officer) -> HttpResponse:
    customer_id = _int(request.POST.get("customer_id"))
    if customer_id is None:
        messages.error(request, _("Customer: give the customer number."))
        return redirect("privacy:requests")
    with shown_as_message(request) as outcome:
        made = services.open_request(
            customer_id,
            request.POST.get("kind", ""),
            who,
            channel=request.POST.get("channel", "")[:40],
            details=request.POST.get("details", "")[:4000],
        )
    if outcome.refused:
        return redirect("privacy:requests")
    due = date_format(timezone.localtime(made.due_at), "d/m/Y")
    messages.success(request, _("Request recorded; it is due on %(due)s.") % {"due": due})
    return redirect("privacy:request", made.pk)


def _get(request_id: int) -> DataSubjectRequest:
    found = selectors.get_request(request_id)
    if found is None:
        raise Http404(_("No such request."))
    return found


@login_required
@require_GET
def request_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    _officer(request)
    found = _get(request_id)
    names = customers_subject.display_names([found.customer_id])
    return render(
        request,
        "privacy/request.html",
        {
            "r": found,
            "customer_name": names.get(found.customer_id, f"#{found.customer_id}"),
            "overdue": selectors.is_overdue(found),
            "is_open": found.status
            in (RequestStatus.RECEIVED, RequestStatus.VERIFIED, RequestStatus.IN_PROGRESS),
            "verified": found.status in (RequestStatus.VERIFIED, RequestStatus.IN_PROGRESS),
            "fields": services.RECTIFIABLE,
        },
    )


def _rectify(r: DataSubjectRequest, post: Any, who: services.Officer) -> Any:
    name = post.get("field", "")
    return services.rectify(r, {name: post.get("value", "")}, who)


ACTIONS: dict[str, Callable[[DataSubjectRequest, Any, services.Officer], Any]] = {
    "verify": lambda r, post, who: services.verify_identity(r, post.get("method", ""), who),
    "start": lambda r, post, who: services.take_on(r, who),
    "rectify": _rectify,
    "object": lambda r, post, who: services.object_to_marketing(r, who),
    "erase": lambda r, post, who: services.erase(r, _int(post.get("confirm")), who),
    "complete": lambda r, post, who: services.complete(r, post.get("note", ""), who),
    "reject": lambda r, post, who: services.reject(r, post.get("reason", ""), who),
}


@login_required
@require_POST
def act(request: HttpRequest, request_id: int, action: str) -> HttpResponse:
    who = _officer(request)
    if action not in ACTIONS:
        raise Http404(_("No such action."))
    with shown_as_message(request):
        ACTIONS[action](_get(request_id), request.POST, who)
        messages.success(request, _("Done."))
    return redirect("privacy:request", request_id)


@login_required
@require_POST
def export(request: HttpRequest, request_id: int) -> HttpResponse:
    """The person's data as a JSON file download (recorded as a step of the request)."""
    who = _officer(request)
    with shown_as_message(request) as outcome:
        body = services.export(_get(request_id), who)
    if outcome.refused:
        return redirect("privacy:request", request_id)
    answer = HttpResponse(body, content_type="application/json; charset=utf-8")
    answer["Content-Disposition"] = f'attachment; filename="lealtad-request-{request_id}.json"'
    answer["Cache-Control"] = "no-store"
    return answer


@login_required
@require_http_methods(["GET", "POST"])
def retention_page(request: HttpRequest) -> HttpResponse:
    who = _officer(request)
    outcome = None
    if request.method == "POST":
        what = request.POST.get("do", "")
        if what == "policy":
            with shown_as_message(request):
                retention.set_policy(
                    request.POST.get("data_class", ""),
                    _int(request.POST.get("months")) or 0,
                    request.POST.get("active") == "on",
                    who,
                )
                messages.success(request, _("Policy saved."))
            return redirect("privacy:retention")
        if what in ("dry_run", "apply"):
            outcome = retention.run(who, dry_run=what == "dry_run", trigger="web")
    labels = dict(DataClass.choices)
    return render(
        request,
        "privacy/retention.html",
        {
            "policies": [(p, labels[p.data_class]) for p in retention.policies()],
            "outcome": outcome,
            "outcome_rows": [
                (labels.get(k, k), v) for k, v in (outcome.results if outcome else {}).items()
            ],
            "runs": selectors.last_runs(),
        },
    )
