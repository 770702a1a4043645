"""The agent desktop: log in to the ACD, change state, take contacts with their screen pop.

Thin: the capability, the agent behind the user, the services to act and the selectors to
read. The page is rendered at a journal id and then follows the journal over Server-Sent
Events (:mod:`.views_live`): a contact offered to this agent pops in, and every change of
one of their contacts or of their state re-renders that part. A control (answer, hold,
transfer…) posts with htmx and gets its contact's panel back at once, the stream brings the
same panel a moment later: either alone keeps the screen right. Without JavaScript the forms
post and the page comes back.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from lealtad.contactcenter import forms, selectors, views_pop
from lealtad.contactcenter.choices import ContactStatus, Outcome
from lealtad.contactcenter.models import Agent, Contact
from lealtad.contactcenter.services import agents, contacts
from lealtad.contactcenter.views_live import CENTER, fragment_renderer
from lealtad.core import live
from lealtad.core.access import Principal, require
from lealtad.core.errors import DomainError
from lealtad.core.roles import Capability

S = ContactStatus
PANEL = "contactcenter/_contact.html"
GONE = "contactcenter/_gone.html"
POPPED = (S.OFFERED, S.HANDLING, S.HELD, S.WRAP_UP)
SIMPLE_STEPS = {
    "decline": contacts.decline,
    "hold": contacts.hold,
    "retrieve": contacts.retrieve,
    "release": contacts.release,
}


def _agent(request: HttpRequest) -> tuple[Principal, Agent]:
    who = require(request, Capability.CONTACT_HANDLE)
    mine = selectors.agent_for_user(who.user)
    if mine is None:
        raise Http404(_("You are not set up as an agent of the contact center."))
    return who, mine


def _own_contact(request: HttpRequest, contact_id: int) -> tuple[Principal, Agent, Contact]:
    who, mine = _agent(request)
    found = selectors.contact(contact_id)
    if found is None or found.agent_id != mine.pk:
        # Another agent's contact is no business of this desktop: the same answer as none.
        raise Http404(_("No contact %(id)s on your desktop.") % {"id": contact_id})
    return who, mine, found


def wrap_up_form(contact_id: int, data: Any = None) -> forms.WrapUpForm:
    """Ids of its own per contact: an agent may wrap up a call while a chat is open."""
    return forms.WrapUpForm(data, auto_id=f"wrap-{contact_id}-%s")


def panel_context(contact: Contact, who: Principal, **extra: Any) -> dict[str, Any]:
    return {
        "contact": contact,
        "pop": views_pop.pop(contact, who) if contact.status in POPPED else None,
        "wrap_up_form": extra.pop("wrap_up_form", None) or wrap_up_form(contact.pk),
        "transfer_form": forms.TransferForm(),
        "conference_form": forms.ConferenceForm(),
        "outcomes": Outcome.choices,
        **extra,
    }


def state_context(agent: Agent, **extra: Any) -> dict[str, Any]:
    return {"agent": agent, "states": forms.STATE_CHOICES, **extra}


@login_required
@require_GET
def desktop(request: HttpRequest) -> HttpResponse:
    who = require(request, Capability.CONTACT_HANDLE)
    mine = selectors.agent_for_user(who.user)
    if mine is None:
        return render(request, "contactcenter/not_an_agent.html", status=404)
    # The journal's id BEFORE the rows are read: whatever changes after it is streamed, and
    # re-rendering a panel already up to date changes nothing.
    after = selectors.last_journal_id()
    panels = [panel_context(c, who) for c in selectors.live_contacts(mine.pk)]
    return render(
        request,
        "contactcenter/desktop.html",
        {**state_context(mine), "panels": panels, "after": after},
    )


@login_required
@require_GET
def desktop_stream(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """This agent's part of the journal, as the panels and the state bar to swap in."""
    who, mine = _agent(request)
    me = mine.pk

    def build(events: list[live.Event]) -> list[tuple[int, str, str, dict[str, Any]]]:
        last = events[-1].id
        out: list[tuple[int, str, str, dict[str, Any]]] = []
        touched = list(dict.fromkeys(e.data["contact"] for e in events if e.data["contact"]))
        for contact_id in touched:
            found = selectors.contact(contact_id)
            if found is not None and found.agent_id == me and found.status in POPPED:
                out.append(
                    (last, "contact", "contactcenter/_contact.html", panel_context(found, who))
                )
            else:
                out.append(
                    (last, "contact", "contactcenter/_gone.html", {"contact_id": contact_id})
                )
        agent = selectors.agent(me)
        if agent is not None:
            out.append((last, "state", "contactcenter/_state.html", state_context(agent)))
        return out

    return live.stream(
        request,
        CENTER,
        pick=lambda event: event.data["agent"] == me,
        render=fragment_renderer(request, build),
    )


def _answer_state(request: HttpRequest, agent_id: int, error: DomainError | None) -> HttpResponse:
    if not request.headers.get("HX-Request"):
        if error is not None:
            messages.error(request, str(error))
        return redirect("contactcenter:desktop")
    agent = selectors.agent(agent_id)
    return render(
        request,
        "contactcenter/_state.html",
        state_context(agent, error=error),  # type: ignore[arg-type]
        status=200 if error is None else error.status,
    )


@login_required
@require_POST
def change_state(request: HttpRequest) -> HttpResponse:
    """Log in, log out, or choose a state (available, break, training, admin)."""
    who, mine = _agent(request)
    action = request.POST.get("action", "")
    error: DomainError | None = None
    try:
        if action == "login":
            agents.log_in(mine.pk, who.actor)
        elif action == "logout":
            agents.log_out(mine.pk, who.actor)
        else:
            agents.set_state(mine.pk, action, who.actor, request.POST.get("reason", "")[:60])
    except DomainError as exc:
        error = exc
    return _answer_state(request, mine.pk, error)


def _answer_contact(
    request: HttpRequest, who: Principal, contact_id: int, error: DomainError | None, **extra: Any
) -> HttpResponse:
    if not request.headers.get("HX-Request"):
        if error is not None:
            messages.error(request, str(error))
        return redirect("contactcenter:desktop")
    found = selectors.contact(contact_id)
    status = 200 if error is None else error.status
    if found is None or found.status not in POPPED:
        return render(
            request, "contactcenter/_gone.html", {"contact_id": contact_id}, status=status
        )
    context = panel_context(found, who, error=error, **extra)
    return render(request, PANEL, context, status=status)


@login_required
@require_POST
def contact_step(request: HttpRequest, contact_id: int, step: str) -> HttpResponse:
    """Answer, decline, hold, retrieve, release."""
    who, mine, _found = _own_contact(request, contact_id)
    error: DomainError | None = None
    try:
        if step == "answer":
            contacts.answer(contact_id, who.actor, agent_id=mine.pk)
        elif step in SIMPLE_STEPS:
            SIMPLE_STEPS[step](contact_id, who.actor)
        else:
            raise Http404(step)
    except DomainError as exc:
        error = exc
    return _answer_contact(request, who, contact_id, error)


def _form_error(form: Any) -> DomainError:
    """The form's first problem as a refusal naming its field (the panel shows it)."""
    field, problems = next(iter(form.errors.items()))
    label = form.fields[field].label if field in form.fields else field
    return DomainError(
        "%(label)s: %(problem)s",
        field=field,
        code="invalid_input",
        label=label,
        problem=problems[0],
    )


@login_required
@require_POST
def transfer(request: HttpRequest, contact_id: int) -> HttpResponse:
    who, _mine, _found = _own_contact(request, contact_id)
    form = forms.TransferForm(request.POST)
    error: DomainError | None = None if form.is_valid() else _form_error(form)
    if error is None:
        try:
            contacts.transfer(contact_id, form.cleaned_data["queue"], who.actor)
        except DomainError as exc:
            error = exc
    return _answer_contact(request, who, contact_id, error)


@login_required
@require_POST
def conference(request: HttpRequest, contact_id: int) -> HttpResponse:
    who, _mine, _found = _own_contact(request, contact_id)
    form = forms.ConferenceForm(request.POST)
    error: DomainError | None = None if form.is_valid() else _form_error(form)
    if error is None:
        try:
            contacts.conference(contact_id, form.cleaned_data["party"], who.actor)
        except DomainError as exc:
            error = exc
        else:
            return _answer_contact(
                request, who, contact_id, None, conferenced=form.cleaned_data["party"]
            )
    return _answer_contact(request, who, contact_id, error)


@login_required
@require_POST
def wrap_up(request: HttpRequest, contact_id: int) -> HttpResponse:
    """The wrap-up code, the outcome (a commitment with its follow-up date) and notes."""
    who, _mine, _found = _own_contact(request, contact_id)
    form = wrap_up_form(contact_id, request.POST)
    error: DomainError | None = None if form.is_valid() else _form_error(form)
    if error is None:
        data = form.cleaned_data
        try:
            contacts.wrap_up(
                contact_id,
                who.actor,
                code=data["code"],
                outcome=data["outcome"],
                notes=data["notes"],
                follow_up_on=data["follow_up_on"],
                open_case=data["open_case"],
            )
        except DomainError as exc:
            error = exc
    return _answer_contact(request, who, contact_id, error, wrap_up_form=form if error else None)


@login_required
@require_POST
def link_customer(request: HttpRequest, contact_id: int) -> HttpResponse:
    """The agent picked the caller from the short list or found them by search."""
    who, _mine, _found = _own_contact(request, contact_id)
    form = forms.LinkForm(request.POST)
    error: DomainError | None = None if form.is_valid() else _form_error(form)
    if error is None:
        customer_id = form.cleaned_data["customer_id"]
        if views_pop.search_one(customer_id, who) is None:
            error = DomainError(
                _("There is no customer %(id)s you may see."),
                field="customer_id",
                kind="not_found",
                id=customer_id,
            )
        else:
            try:
                contacts.link_customer(contact_id, customer_id, who.actor)
            except DomainError as exc:
                error = exc
    return _answer_contact(request, who, contact_id, error)


@login_required
@require_GET
def search_customers(request: HttpRequest, contact_id: int) -> HttpResponse:
    """Customers matching what the caller says (htmx: the list under the search box)."""
    who, _mine, found = _own_contact(request, contact_id)
    query = request.GET.get("q", "")[:100].strip()
    results = views_pop.search(query, who) if query else []
    return render(
        request,
        "contactcenter/_search_results.html",
        {"contact": found, "results": results, "query": query},
    )
