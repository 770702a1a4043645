"""The agents' and supervisors' pages: my queue and my group's (htmx filters), the case page
(customer essentials, SLA clock, thread, reply/note/status/resolve, KB suggestions), and the
supervisor's desk (backlog by group and age, breaches and soon-to-breach, reassign, policies).
Thin: capability, form, service or selector; refusals shown as the page's message."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import translation
from django.views.decorators.http import require_GET, require_POST

from lealtad.core.access import principal, require
from lealtad.core.audit import Actor
from lealtad.core.refusals import shown_as_message
from lealtad.core.roles import Capability
from lealtad.customers.choices import ValueTier
from lealtad.customers.selectors import get_customer
from lealtad.customers.selectors.standing import standing_of
from lealtad.service.choices import CaseCategory, CaseOutcome, CaseStatus
from lealtad.service.models import Attachment, SupportGroup
from lealtad.service.selectors import cases as reads
from lealtad.service.selectors import knowledge as kb
from lealtad.service.selectors import mail as mail_reads
from lealtad.service.services import attachments, cases, outbound
from lealtad.service.services.escalation import escalate

T = "service/cases/"


def _actor(request: HttpRequest) -> Actor:
    return Actor.for_user(request.user, channel="web")


def _filter(request: HttpRequest) -> tuple[str, reads.QueueFilter]:
    scope = request.GET.get("scope", "mine")
    group, assignee = "", None
    if scope == "mine":
        assignee = request.user.pk
    elif scope == "group":
        mine = reads.groups_of(request.user.pk or 0)
        group = request.GET.get("group") or (mine[0] if mine else "")
    f = reads.QueueFilter(
        status=request.GET.get("status", "")[:20],
        category=request.GET.get("category", "")[:30],
        group=group,
        assignee_id=assignee,
        breach_soon=bool(request.GET.get("soon")),
    )
    return scope, f


@login_required
@require_GET
def queue_page(request: HttpRequest) -> HttpResponse:
    """My cases, my group's or all open ones; ``partial`` returns only the rows (htmx)."""
    require(request, Capability.SERVICE_HANDLE)
    scope, f = _filter(request)
    context = {"rows": list(reads.queue(f)), "scope": scope, "f": f}
    if request.GET.get("partial"):
        return render(request, T + "_rows.html", context)
    context["statuses"] = CaseStatus.choices
    context["categories"] = CaseCategory.choices
    return render(request, T + "queue.html", context)


def _customer(customer_id: int | None) -> dict[str, Any] | None:
    if customer_id is None:
        return None
    found = get_customer(customer_id)
    standing = standing_of(customer_id) or {}
    return {
        "id": customer_id,
        "name": found.display_name if found else f"#{customer_id}",
        "tier": _tier_label(standing.get("value_tier") or ""),
        "language": found.language if found else "",
    }


def _tier_label(tier: str) -> str:
    """The tier in words ("Most valuable"), never its code."""
    return str(ValueTier(tier).label) if tier in ValueTier.values else tier


def _suggestions(case: Any) -> list[kb.Hit]:
    """Articles in the agent's language (Spanish unless the page is in English)."""
    text = f"{case.subject} {case.description}"
    language = "en" if (translation.get_language() or "es").startswith("en") else "es"
    try:
        return kb.suggest(text, kb.Scope(language=language), limit=3)
    except Exception:
        return []


@login_required
@require_GET
def case_page(request: HttpRequest, case_id: int) -> HttpResponse:
    require(request, Capability.SERVICE_HANDLE)
    case = reads.case(case_id)
    if case is None:
        raise Http404
    context = {
        "case": case,
        "customer": _customer(case.customer_id),
        "clock": reads.clock_of(case),
        "thread": reads.thread(case_id),
        "suggestions": _suggestions(case),
        "outcomes": CaseOutcome.choices,
        "statuses": [c for c in CaseStatus.choices if c[0] not in ("new", "resolved")],
        "is_open": case.status not in ("resolved", "closed"),
    }
    return render(request, T + "case.html", context)


@login_required
@require_POST
def case_act(request: HttpRequest, case_id: int, action: str) -> HttpResponse:
    """reply | note | status | resolve | escalate, then back to the case page."""
    require(request, Capability.SERVICE_HANDLE)
    actor, post = _actor(request), request.POST
    with shown_as_message(request):
        if action == "reply":
            outbound.reply(case_id, post.get("body", ""), actor, request.FILES.getlist("files"))
        elif action == "note":
            cases.note(case_id, post.get("body", ""), actor)
        elif action == "status":
            cases.set_status(case_id, post.get("status", ""), actor, post.get("body", ""))
        elif action == "escalate":
            escalate(case_id, actor, post.get("body", ""))
        elif action == "resolve":
            follow = post.get("follow_up_on") or None
            cases.resolve(
                case_id,
                actor,
                post.get("outcome", "resolved"),
                post.get("body", ""),
                date.fromisoformat(follow) if follow else None,
            )
        else:
            raise Http404
    return redirect(reverse("service:case", args=[case_id]))


@login_required
@require_GET
def attachment_file(request: HttpRequest, case_id: int, attachment_id: int) -> FileResponse:
    """A file on the case's thread, for whoever may work the case (an agent or supervisor)."""
    require(request, Capability.SERVICE_HANDLE)
    found = mail_reads.attachment(case_id, attachment_id)
    path = attachments.path_of(found) if found is not None else None
    if found is None or path is None:
        raise Http404
    return download(found, path)


def download(found: Attachment, path: Path) -> FileResponse:
    """Always as a download (never shown inline: an uploaded HTML file runs no script here)."""
    name = found.filename or "attachment"
    response = FileResponse(path.open("rb"), as_attachment=True, filename=name)
    response["Content-Type"] = "application/octet-stream"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def desk_page(request: HttpRequest) -> HttpResponse:
    """The supervisor's view: backlog by group and age, breaches, soon to breach, policies."""
    require(request, Capability.SERVICE_SUPERVISE)
    context = {
        "backlog": reads.backlog(),
        **reads.breaches(),
        "groups": SupportGroup.objects.filter(active=True),
        "policies": reads.policies(),
        "is_staff": getattr(request.user, "is_staff", False),
    }
    return render(request, T + "desk.html", context)


@login_required
@require_POST
def reassign(request: HttpRequest, case_id: int) -> HttpResponse:
    require(request, Capability.SERVICE_SUPERVISE)
    with shown_as_message(request):
        cases.assign(case_id, _actor(request), request.POST.get("group", ""))
    return redirect(reverse("service:desk"))


def can_supervise(request: HttpRequest) -> bool:
    return principal(request).can(Capability.SERVICE_SUPERVISE)


urlpatterns = [
    path("cases/", queue_page, name="queue"),
    path("cases/<int:case_id>/", case_page, name="case"),
    path("cases/<int:case_id>/files/<int:attachment_id>/", attachment_file, name="case_attachment"),
    path("cases/<int:case_id>/<slug:action>/", case_act, name="case_act"),
    path("desk/", desk_page, name="desk"),
    path("desk/reassign/<int:case_id>/", reassign, name="reassign"),
]
