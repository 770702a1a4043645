"""The pipeline board (``sales:board``): a column per stage with its count and amount, the
biggest cards, filters, and moving a card to another stage by drag and drop or with the
card's own "Move to" menu (the same form: the drop only fills in its stage and sends it)."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from lealtad.core.access import require
from lealtad.core.errors import DomainError
from lealtad.core.roles import Capability
from lealtad.sales import selectors_board
from lealtad.sales.models import Pipeline, Stage
from lealtad.sales.selectors_board import BoardFilters
from lealtad.sales.services import opportunities


def number(params: QueryDict, name: str) -> int | None:
    value = params.get(name, "")
    return int(value) if value.isdigit() else None


def month_of(params: QueryDict, name: str = "month") -> date | None:
    """``YYYY-MM`` as the month's first day; anything else is no month."""
    value = params.get(name, "")
    try:
        year, month = (int(part) for part in value.split("-"))
        return date(year, month, 1)
    except ValueError:
        return None


def filters_of(params: QueryDict) -> BoardFilters:
    return BoardFilters(number(params, "owner"), number(params, "team"), month_of(params))


def _pipeline(params: QueryDict) -> Pipeline:
    found = selectors_board.pipeline_or_default(number(params, "pipeline"))
    if found is None:
        raise Http404(_("There is no such pipeline."))
    return found


def _context(pipeline: Pipeline, filters: BoardFilters, params: QueryDict) -> dict[str, object]:
    today = timezone.localdate()
    columns = selectors_board.board(pipeline, filters, today)
    stages = [c.stage for c in columns]
    return {
        "pipeline": pipeline,
        # The "Move to" menu is the same on every card of a column: made once per column,
        # not once per card and stage (120 cards x 6 stages of template loops).
        "columns": [(c, _options(stages, c.stage.pk)) for c in columns],
        "move_url": reverse("sales:board_move"),
        "filters": filters,
        "month": filters.month.strftime("%Y-%m") if filters.month else "",
        "query": params.urlencode(),
    }


def _options(stages: list[Stage], selected: int) -> str:
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((s.pk, mark_safe(" selected") if s.pk == selected else "", s.name) for s in stages),
    )


@login_required
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    require(request, Capability.SALES_WORK)
    pipeline = _pipeline(request.GET)
    context = _context(pipeline, filters_of(request.GET), request.GET)
    if request.headers.get("HX-Request") and request.GET.get("part") == "board":
        return render(request, "sales/board_columns.html", context)
    context.update(
        pipelines=selectors_board.active_pipelines(),
        teams=selectors_board.teams(),
        sellers=selectors_board.sellers(),
    )
    return render(request, "sales/board.html", context)


@login_required
@require_POST
def move(request: HttpRequest) -> HttpResponse:
    """Move one card; the board comes back redrawn (counts and sums moved with it), with the
    refusal in the person's words when the service says no."""
    who = require(request, Capability.SALES_WORK)
    opportunity_id = number(request.POST, "opportunity")
    stage_id = number(request.POST, "stage")
    refusal = ""
    moved = ""
    if opportunity_id is None or stage_id is None:
        refusal = _("Choose the stage to move the opportunity to.")
    else:
        try:
            done = opportunities.move([opportunities.Move(opportunity_id, stage_id)], who.actor)
            moved = _("%(number)s is now in %(stage)s.") % {
                "number": done[0].number,
                "stage": done[0].stage.name,
            }
        except DomainError as exc:
            refusal = exc.message
    params = QueryDict(request.POST.get("query", ""))
    if not request.headers.get("HX-Request"):
        if refusal:
            messages.error(request, refusal)
        else:
            messages.success(request, moved)
        return redirect(f"{reverse('sales:board')}?{params.urlencode()}")
    context = _context(_pipeline(params), filters_of(params), params)
    context.update(refusal=refusal, moved=moved)
    # Answered 200 even when refused: htmx swaps only successful answers, and the board must
    # come back with the card where it was and the reason beside it.
    return render(request, "sales/board_columns.html", context)


urlpatterns = [
    path("board/", board, name="board"),
    path("board/move/", move, name="board_move"),
]
