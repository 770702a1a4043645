"""Field-service pages: the technician's visits of the day (a phone in a van, 360 px), the
dispatcher's board, and the products engineering was alerted about. Thin: capability, form,
service or selector; refusals shown as the page's message."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from lealtad.core.access import require
from lealtad.core.audit import Actor
from lealtad.core.refusals import shown_as_message
from lealtad.core.roles import Capability
from lealtad.service.selectors import field as selectors
from lealtad.service.services import workorders

T = "service/field/"


def _actor(request: HttpRequest) -> Actor:
    return Actor.for_user(request.user, channel="web")


def _day(request: HttpRequest) -> date:
    try:
        return date.fromisoformat(request.GET.get("day") or request.POST.get("day") or "")
    except ValueError:
        return timezone.localdate()


def _int(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None


@login_required
@require_GET
def today_page(request: HttpRequest) -> HttpResponse:
    """The signed-in technician's visits of the day; a supervisor may look at anyone's."""
    who = require(request, Capability.SERVICE_HANDLE)
    tech = selectors.technician_for_user(request.user.pk)
    asked = _int(request.GET.get("technician"))
    if asked is not None and who.can(Capability.SERVICE_SUPERVISE):
        tech = selectors.technician(asked)
    day = _day(request)
    visits = selectors.technician_day(tech.pk, day) if tech else []
    return render(request, T + "today.html", {"tech": tech, "day": day, "visits": visits})


def _back_to_today(request: HttpRequest) -> HttpResponse:
    url = f"{reverse('service:field_today')}?day={_day(request).isoformat()}"
    tech = request.POST.get("technician")
    return redirect(url + (f"&technician={tech}" if tech and tech.isdigit() else ""))


@login_required
@require_POST
def use_part(request: HttpRequest, number: str) -> HttpResponse:
    require(request, Capability.SERVICE_HANDLE)
    with shown_as_message(request) as outcome:
        quantity = _int(request.POST.get("quantity")) or 0
        workorders.use_part(number, request.POST.get("sku", "").strip(), quantity, _actor(request))
    if not outcome.refused:
        messages.success(request, _("Part recorded on %(n)s.") % {"n": number})
    return _back_to_today(request)


@login_required
@require_POST
def close(request: HttpRequest, number: str) -> HttpResponse:
    require(request, Capability.SERVICE_HANDLE)
    with shown_as_message(request) as outcome:
        minutes = _int(request.POST.get("minutes_worked"))
        if minutes is None:
            minutes = -1  # the service names the field
        workorders.close(number, minutes, request.POST.get("report", ""), _actor(request))
    if not outcome.refused:
        messages.success(request, _("%(n)s closed; the case was updated.") % {"n": number})
    return _back_to_today(request)


@login_required
@require_POST
def open_order(request: HttpRequest, case_id: int) -> HttpResponse:
    """From the case page: a visit waiting on the dispatch board (no technician chosen yet)."""
    require(request, Capability.SERVICE_HANDLE)
    post = request.POST
    with shown_as_message(request) as outcome:
        typed = post.get("minutes", "").strip()
        minutes = _int(typed) if typed else 60
        new = workorders.NewWorkOrder(
            case_id,
            post.get("skill", ""),
            post.get("zone", ""),
            -1 if minutes is None else minutes,  # not a number: the service names the field
            post.get("address", ""),
        )
        order = workorders.open_work_order(new, _actor(request))
    if not outcome.refused:
        messages.success(
            request, _("%(n)s opened; it waits on the dispatch board.") % {"n": order.number}
        )
    return redirect(reverse("service:case", args=[case_id]))


@login_required
@require_GET
def board_page(request: HttpRequest) -> HttpResponse:
    require(request, Capability.SERVICE_SUPERVISE)
    day = _day(request)
    return render(request, T + "board.html", {"day": day, "board": selectors.board(day)})


@login_required
@require_POST
def dispatch(request: HttpRequest, number: str) -> HttpResponse:
    require(request, Capability.SERVICE_SUPERVISE)
    day = _day(request)
    with shown_as_message(request) as outcome:
        order = workorders.dispatch_order(number, day, _actor(request))
    if not outcome.refused:
        messages.success(
            request,
            _("%(n)s: %(t)s at %(h)s")
            % {"n": order.number, "t": order.technician, "h": f"{order.starts_at:%H:%M}"},
        )
    return redirect(f"{reverse('service:field_board')}?day={day.isoformat()}")


@login_required
@require_GET
def alerts_page(request: HttpRequest) -> HttpResponse:
    require(request, Capability.SERVICE_HANDLE)
    return render(request, T + "alerts.html", {"alerts": selectors.defect_alerts()})


urlpatterns = [
    path("field/today/", today_page, name="field_today"),
    path("field/orders/<str:number>/part", use_part, name="field_use_part"),
    path("field/orders/<str:number>/close", close, name="field_close"),
    path("field/board/", board_page, name="field_board"),
    path("field/orders/<str:number>/dispatch", dispatch, name="field_dispatch"),
    path("field/cases/<int:case_id>/work-order", open_order, name="field_open_order"),
    path("field/defects/", alerts_page, name="field_alerts"),
]
