"""The desk's mail pages under ``/service/mail/``, for agents and supervisors: every mail
received and what became of it (filtered by outcome, a page at a time, htmx rows), one mail
with its text and files and the case it went to, the triage of an unknown sender's case (find
the customer, link, go to the case), and the mails sent with the bounces that came back.
Thin: capability, form, service or selector; refusals shown as the page's message."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from lealtad.core.access import require
from lealtad.core.audit import Actor
from lealtad.core.refusals import shown_as_message
from lealtad.core.roles import Capability
from lealtad.customers import selectors as customers
from lealtad.service.models.mail import InboundDecision
from lealtad.service.selectors import mail as reads
from lealtad.service.services import triage

T = "service/mail/"


def _labels() -> dict[str, str]:
    """The outcome labels in the request's language (the module's are read at import)."""
    return {
        "joined": str(InboundDecision.JOINED.label),
        "new_case": str(InboundDecision.NEW_CASE.label),
        "triage": _("Unknown sender: triage"),
        "dropped": _("Auto-reply, bounce or loop: no case"),
        "failed": _("Set aside: could not be read"),
    }


@login_required
@require_GET
def inbox_page(request: HttpRequest) -> HttpResponse:
    """Received mails, newest first; ``partial`` returns only the rows and pager (htmx)."""
    require(request, Capability.SERVICE_HANDLE)
    outcome = request.GET.get("outcome", "")[:20]
    query = request.GET.get("q", "")[:200]
    page = reads.page_of(reads.inbound(outcome, query), request.GET.get("page"))
    labels = _labels()
    rows = [(mail, labels.get(reads.outcome_of(mail), mail.decision)) for mail in page]
    context = {"page": page, "rows": rows, "outcome": outcome, "q": query}
    if request.GET.get("partial"):
        return render(request, T + "_rows.html", context)
    counts = reads.counts()
    context["outcomes"] = [(key, label, counts[key]) for key, label in labels.items()]
    return render(request, T + "inbox.html", context)


@login_required
@require_GET
def mail_page(request: HttpRequest, mail_id: int) -> HttpResponse:
    """One mail: its headers, text and files, the case it went to; for an unknown sender's
    case, a customer search (``q``) to link it."""
    who = require(request, Capability.SERVICE_HANDLE)
    found = reads.inbound_mail(mail_id)
    if found is None:
        raise Http404
    context = {"view": found, "mail": found.mail, "label": _labels().get(found.outcome, "")}
    if found.outcome == "triage":
        query = request.GET.get("q", "")[:200]
        context["q"] = query
        context["candidates"] = list(customers.search(query, 20, who.reader)) if query else []
    return render(request, T + "mail.html", context)


@login_required
@require_POST
def link_customer(request: HttpRequest, mail_id: int) -> HttpResponse:
    """Link the triaged case to the chosen customer, then go to the case."""
    require(request, Capability.SERVICE_HANDLE)
    found = reads.inbound_mail(mail_id)
    if found is None or found.mail.case_id is None:
        raise Http404
    case_id = found.mail.case_id
    with shown_as_message(request) as outcome:
        raw = request.POST.get("customer_id", "")
        if not raw.isdigit():
            raise triage.TriageRefused(_("Choose a customer."), field="customer_id")
        actor = Actor.for_user(request.user, channel="web")
        case = triage.link_customer(case_id, int(raw), actor, bool(request.POST.get("remember")))
    if outcome.refused:
        return redirect(reverse("service:mail_detail", args=[mail_id]))
    messages.success(request, _("Case %(n)s is now the customer's.") % {"n": case.number})
    return redirect(reverse("service:case", args=[case_id]))


@login_required
@require_GET
def sent_page(request: HttpRequest) -> HttpResponse:
    """Mails sent for cases, newest first, each with the bounces its case got afterwards."""
    require(request, Capability.SERVICE_HANDLE)
    page = reads.sent_page(request.GET.get("page"))
    context = {"page": page, "rows": reads.with_bounces(list(page))}
    return render(request, T + "sent.html", context)


urlpatterns = [
    path("mail/", inbox_page, name="mail"),
    path("mail/sent/", sent_page, name="mail_sent"),
    path("mail/<int:mail_id>/", mail_page, name="mail_detail"),
    path("mail/<int:mail_id>/link/", link_customer, name="mail_link"),
]
