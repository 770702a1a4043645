"""The supervisor's configuration pages: skills, queues (tier, proficiency, relaxation, service
level, overflow) and agents' skills. Forms check the shape; the setup services decide, and a
refusal shows beside its field with nothing written."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from lealtad.contactcenter import forms, selectors
from lealtad.contactcenter.models import Queue
from lealtad.contactcenter.services import setup
from lealtad.contactcenter.views_supervisor import BOARD
from lealtad.core.access import require
from lealtad.core.errors import DomainError
from lealtad.core.refusals import add_to_form
from lealtad.core.roles import Capability


def _queue_initial(queue: Queue) -> dict[str, Any]:
    overflow = queue.overflows.select_related("to_queue").first()
    return {
        "name": queue.name,
        "label": queue.label,
        "skill": queue.skill.name,
        "level": queue.level,
        "min_proficiency": queue.min_proficiency,
        "relax_after_seconds": queue.relax_after_seconds,
        "service_level_seconds": queue.service_level_seconds,
        "service_level_target": queue.service_level_target,
        "overflow_after": overflow.after_seconds if overflow else None,
        "overflow_to": overflow.to_queue.name if overflow else "",
    }


def _page(request: HttpRequest, **forms_: Any) -> HttpResponse:
    status = 422 if any(f.is_bound and f.errors for f in forms_.values()) else 200
    return render(
        request,
        "contactcenter/setup.html",
        {
            "skills": selectors.skills(),
            "queues": selectors.queues().prefetch_related("overflows__to_queue"),
            "skill_form": forms_.get("skill_form") or forms.SkillForm(prefix="skill"),
            "queue_form": forms_.get("queue_form") or forms.QueueForm(prefix="queue"),
            "section": "setup",
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def setup_page(request: HttpRequest) -> HttpResponse:
    """Skills and queues: the lists, and a form for each (a queue's code edits it)."""
    require(request, Capability.CONTACT_SUPERVISE)
    if request.method == "GET":
        editing = selectors.queues().filter(name=request.GET.get("queue", "")).first()
        initial = _queue_initial(editing) if editing else None
        return _page(request, queue_form=forms.QueueForm(prefix="queue", initial=initial))
    if "skill-name" in request.POST:
        return _save_skill(request)
    return _save_queue(request)


def _save_skill(request: HttpRequest) -> HttpResponse:
    form = forms.SkillForm(request.POST, prefix="skill")
    if form.is_valid():
        try:
            setup.save_skill(form.cleaned_data["name"], form.cleaned_data["label"])
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("Skill saved."))
            return redirect("contactcenter:setup")
    return _page(request, skill_form=form)


def _save_queue(request: HttpRequest) -> HttpResponse:
    form = forms.QueueForm(request.POST, prefix="queue")
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():  # a refused overflow leaves the queue as it was
                setup.save_queue(
                    data["name"],
                    data["label"],
                    data["skill"],
                    level=data["level"],
                    min_proficiency=data["min_proficiency"],
                    relax_after_seconds=data["relax_after_seconds"],
                    service_level_seconds=data["service_level_seconds"],
                    service_level_target=data["service_level_target"],
                    overflows=form.overflows(),
                )
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            BOARD.reset()  # the board learns the new queue and its service level
            messages.success(request, _("Queue saved."))
            return redirect("contactcenter:setup")
    return _page(request, queue_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def agent_edit(request: HttpRequest, agent_id: int) -> HttpResponse:
    """An agent's name, team, skills with proficiency and contacts at once."""
    require(request, Capability.CONTACT_SUPERVISE)
    agent = selectors.agent(agent_id)
    if agent is None:
        raise Http404(_("There is no agent %(id)s.") % {"id": agent_id})
    skills = ", ".join(f"{k}={v}" for k, v in selectors.skills_of(agent).items())
    initial = {
        "name": agent.name,
        "team": agent.team,
        "skills": skills,
        "max_total": agent.max_total,
    }
    form = forms.AgentSkillsForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    setup.save_agent(
                        data["name"],
                        agent_id=agent.pk,
                        skills=data["skills"],
                        capacity=agent.capacity,
                        max_total=data["max_total"],
                        team=data["team"],
                        extension=agent.extension,
                    )
            except DomainError as exc:
                add_to_form(form, exc)
            else:
                BOARD.reset()
                messages.success(request, _("Agent saved."))
                return redirect("contactcenter:agents")
        status = 422
    return render(
        request,
        "contactcenter/agent_edit.html",
        {"agent": agent, "form": form, "section": "agents"},
        status=status,
    )
