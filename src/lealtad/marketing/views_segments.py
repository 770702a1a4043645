"""Segment pages: the list with counts, the builder (conditions and AND/OR groups edited by
htmx, a live count while editing), a segment's members, history, import and rebuild."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lealtad.core.access import require
from lealtad.core.errors import DomainError
from lealtad.core.refusals import shown_as_message
from lealtad.core.roles import Capability
from lealtad.marketing import segment_form, segment_labels
from lealtad.marketing.selectors import segments as reads
from lealtad.marketing.services import membership, segments

T = "marketing/segments/"


@login_required
@require_GET
def listing(request: HttpRequest) -> HttpResponse:
    require(request, Capability.MARKETING_VIEW)
    return render(request, T + "list.html", {"segments": reads.listing()})


def _builder_context(rule: dict[str, Any], refusal: DomainError | None = None) -> dict[str, Any]:
    return {
        "root": segment_form.rows(rule),
        "field_groups": segment_labels.field_groups(),
        "op_labels": segment_labels.OP_LABELS,
        "refusal": refusal,
    }


def _page(
    request: HttpRequest,
    segment: reads.SegmentView | None,
    form: dict[str, Any],
    refusal: DomainError | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "segment": segment,
        "form": form,
        "can_manage": require(request, Capability.MARKETING_VIEW).can(Capability.MARKETING_MANAGE),
        **_builder_context(form["rule"], refusal),
    }
    if segment is not None:
        context["members"] = reads.members_page(segment.id, limit=50)
        context["history"] = reads.changes(segment.id, 50)
    return render(request, T + "edit.html", context, status=status)


def _posted(request: HttpRequest) -> dict[str, Any]:
    return {
        "name": request.POST.get("name", ""),
        "description": request.POST.get("description", ""),
        "kind": request.POST.get("kind", "dynamic"),
        "rule": segment_form.read(request.POST),
    }


@login_required
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        require(request, Capability.MARKETING_MANAGE)
        blank = {"name": "", "description": "", "kind": "dynamic", "rule": {}}
        return _page(request, None, blank)
    who = require(request, Capability.MARKETING_MANAGE)
    form = _posted(request)
    item = segments.SegmentIn(form["name"], form["description"], form["kind"], form["rule"])
    try:
        [sid] = segments.create([item], by=who.actor.label)
    except DomainError as refusal:
        return _page(request, None, form, refusal, status=refusal.status)
    messages.success(request, _("Segment saved."))
    return redirect("marketing:segment", segment_id=sid)


def _found(segment_id: int) -> reads.SegmentView:
    found = reads.get(segment_id)
    if found is None:
        raise membership.SegmentNotFound(field="segment_id")
    return found


@login_required
@require_http_methods(["GET", "POST"])
def detail(request: HttpRequest, segment_id: int) -> HttpResponse:
    segment = _found(segment_id)
    if request.method == "GET":
        require(request, Capability.MARKETING_VIEW)
        form = {k: getattr(segment, k) for k in ("name", "description", "kind", "rule")}
        return _page(request, segment, form)
    who = require(request, Capability.MARKETING_MANAGE)
    form = _posted(request)
    item = segments.SegmentIn(form["name"], form["description"], form["kind"], form["rule"])
    try:
        segments.update(segment_id, item, by=who.actor.label)
    except DomainError as refusal:
        return _page(request, segment, form, refusal, status=refusal.status)
    messages.success(request, _("Segment saved."))
    return redirect("marketing:segment", segment_id=segment_id)


@login_required
@require_POST
def builder(request: HttpRequest) -> HttpResponse:
    """The builder re-drawn after a button (add a condition or a group, remove one) or a
    change of field (whose operators differ)."""
    require(request, Capability.MARKETING_VIEW)
    rule = segment_form.read(request.POST)
    action = request.POST.get("action", "")
    if action:
        rule = segment_form.edit(rule, action)
    return render(request, T + "_builder.html", _builder_context(rule))


@login_required
@require_POST
def count(request: HttpRequest) -> HttpResponse:
    """The live count of the rule being edited (or why it cannot be counted yet)."""
    require(request, Capability.MARKETING_VIEW)
    try:
        found: int | None = reads.count(segment_form.read(request.POST))
        refusal = None
    except DomainError as error:
        found, refusal = None, error
    return render(request, T + "_count.html", {"count": found, "refusal": refusal})


@login_required
@require_POST
def import_file(request: HttpRequest, segment_id: int) -> HttpResponse:
    who = require(request, Capability.MARKETING_MANAGE)
    upload = request.FILES.get("file")
    text = upload.read().decode("utf-8", errors="replace") if upload else ""
    with shown_as_message(request):
        outcome = segments.import_csv(
            segment_id, text, by=who.actor.label, replace=bool(request.POST.get("replace"))
        )
        messages.success(
            request,
            _("Imported: %(added)s added, %(removed)s removed, %(members)s members.")
            % outcome.__dict__,
        )
    return redirect("marketing:segment", segment_id=segment_id)


@login_required
@require_POST
def rebuild(request: HttpRequest, segment_id: int) -> HttpResponse:
    require(request, Capability.MARKETING_MANAGE)
    with shown_as_message(request):
        outcome = membership.rebuild(segment_id)
        messages.success(
            request,
            _("Rebuilt: %(entered)s entered, %(left)s left, %(members)s members.")
            % outcome.__dict__,
        )
    return redirect("marketing:segment", segment_id=segment_id)


@login_required
@require_POST
def delete(request: HttpRequest, segment_id: int) -> HttpResponse:
    require(request, Capability.MARKETING_MANAGE)
    with shown_as_message(request) as outcome:
        segments.delete(segment_id)
        messages.success(request, _("Segment deleted."))
    if outcome.refused:
        return redirect("marketing:segment", segment_id=segment_id)
    return redirect("marketing:segments")


urlpatterns = [
    path("segments/", listing, name="segments"),
    path("segments/new", new, name="segment_new"),
    path("segments/builder", builder, name="segment_builder"),
    path("segments/count", count, name="segment_count"),
    path("segments/<int:segment_id>/", detail, name="segment"),
    path("segments/<int:segment_id>/import", import_file, name="segment_import"),
    path("segments/<int:segment_id>/rebuild", rebuild, name="segment_rebuild"),
    path("segments/<int:segment_id>/delete", delete, name="segment_delete"),
]
