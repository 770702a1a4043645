"""Merge pages: compare two records, choose what the golden record keeps, confirm; undo later.

A merge moves a person's whole history, so it never happens on a GET nor on one click from the
queue: the page shows both records side by side, each differing field pre-set to what the
survivorship rules would keep, and merges only when the person confirms with a reason. The
customer page lists the merges into the record, each with an undo that asks for a reason too.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lealtad.core.access import principal, require
from lealtad.core.errors import DomainError
from lealtad.core.refusals import shown_as_message
from lealtad.core.roles import Capability
from lealtad.customers import services
from lealtad.customers.models import IdentityReview, Merge
from lealtad.customers.selectors import merge_sides
from lealtad.customers.services.merge_preview import preview_merge
from lealtad.customers.views import _context, _customer

SIDES = ("a", "b")
CHOICE_PREFIX = "choice-"
MIN_REASON = 3


def _open_review(review_id: int) -> IdentityReview:
    return get_object_or_404(
        IdentityReview.objects.select_related("customer_a", "customer_b"), pk=review_id
    )


def _pair(review: IdentityReview, keep: str) -> tuple[Any, Any]:
    """(survivor, absorbed) as the person chose which record stays."""
    a, b = review.customer_a, review.customer_b
    return (a, b) if keep == "a" else (b, a)


def _rows(review: IdentityReview, keep: str, posted: dict[str, str]) -> list[dict[str, Any]]:
    """One row per differing field, with each record's value and the side that is ticked:
    what the person ticked, else the rules' choice (as record A or B, whichever stays)."""
    survivor, absorbed = _pair(review, keep)
    other = "b" if keep == "a" else "a"
    rows = []
    for row in preview_merge(survivor, absorbed):
        by_side = {keep: row.survivor_shown, other: row.absorbed_shown}
        rules = keep if row.rules_choose == "survivor" else other
        rows.append(
            {
                "name": row.name,
                "label": row.label,
                "a": by_side["a"],
                "b": by_side["b"],
                "rules": rules,
                "ticked": posted.get(row.name, rules),
            }
        )
    return rows


def _posted_choices(request: HttpRequest) -> dict[str, str]:
    return {
        key[len(CHOICE_PREFIX) :]: request.POST.get(key, "")
        for key in request.POST
        if key.startswith(CHOICE_PREFIX)
    }


def _as_sides(posted: dict[str, str], keep: str) -> dict[str, str]:
    """Record A/B as the service's survivor/absorbed; anything else goes on as sent, for the
    service to refuse by name."""
    other = "b" if keep == "a" else "a"
    names = {keep: "survivor", other: "absorbed"}
    return {name: names.get(side, side) for name, side in posted.items()}


def _render(
    request: HttpRequest,
    review: IdentityReview,
    keep: str,
    posted: dict[str, str],
    status: int = 200,
    error: str = "",
) -> HttpResponse:
    who = principal(request)
    context = {
        "review": review,
        "keep": keep,
        "sides": [
            ("a", merge_sides.merge_side(review.customer_a, who.capabilities, who.reader)),
            ("b", merge_sides.merge_side(review.customer_b, who.capabilities, who.reader)),
        ],
        "rows": _rows(review, keep, posted),
        "reason": request.POST.get("reason", ""),
        "error": error,
    }
    template = "customers/merge.html"
    if request.headers.get("HX-Request") and request.method == "GET":
        template = "customers/_merge_fields.html"  # the survivor changed: new pre-set choices
    return render(request, template, context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def merge(request: HttpRequest, review_id: int) -> HttpResponse:
    """GET shows the comparison (never merges); POST merges what the person confirmed."""
    require(request, Capability.MERGE)
    review = _open_review(review_id)
    if review.status not in ("open", "deferred"):
        messages.error(request, _("This pair was already decided."))
        return redirect("customers:reviews")
    data = request.POST if request.method == "POST" else request.GET
    keep = data.get("keep", "a")
    if keep not in SIDES:
        keep = "a"
    if request.method == "GET":
        return _render(request, review, keep, {})
    posted = _posted_choices(request)
    reason = request.POST.get("reason", "").strip()
    if len(reason) < MIN_REASON:
        error = _("Say why these records are the same person (at least three characters).")
        return _render(request, review, keep, posted, status=422, error=error)
    survivor, absorbed = _pair(review, keep)
    try:
        record = services.merge_customers(
            survivor, absorbed, _context(request), reason, chosen=_as_sides(posted, keep)
        )
    except DomainError as exc:
        return _render(request, review, keep, posted, status=exc.status, error=exc.message)
    messages.success(
        request,
        _("Records merged. If it was a mistake, undo it from the Merges card on this page."),
    )
    url = reverse("customers:detail", args=[survivor.pk])
    return redirect(f"{url}?merged={record.pk}#merges")


@login_required
@require_GET
def merges_card(request: HttpRequest, customer_id: int) -> HttpResponse:
    """The customer page's Merges card (loaded by htmx): who was merged into this record."""
    require(request, Capability.MERGE)
    customer = _customer(customer_id)
    rows = list(merge_sides.merges_into(customer))
    if not rows:
        return HttpResponse("")  # no card when nothing was ever merged into this record
    just = request.GET.get("merged", "")
    return render(
        request,
        "customers/_merges_card.html",
        {"c": customer, "merges": rows, "just": int(just) if just.isdigit() else None},
    )


@login_required
@require_POST
def undo(request: HttpRequest, merge_id: int) -> HttpResponse:
    """Undo a merge after the person confirmed with a reason; refusals come back as a message."""
    require(request, Capability.MERGE)
    record = get_object_or_404(Merge, pk=merge_id)
    back = reverse("customers:detail", args=[record.survivor_id]) + "#merges"
    reason = request.POST.get("reason", "").strip()
    if len(reason) < MIN_REASON:
        messages.error(request, _("Say why the merge is undone (at least three characters)."))
        return redirect(back)
    with shown_as_message(request, _("The merge was not undone: %(reason)s")) as outcome:
        services.unmerge(record, _context(request), reason)
    if not outcome.refused:
        messages.success(request, _("Merge undone: both records are back as they were."))
    return redirect(back)
