"""The supervisor's screens: the live wallboard, interval reports, the agents and their states.

The wallboard is :class:`contact_engine.metrics.Wallboard` folded over today's journal. Each
process keeps one board and applies the journal rows it has not seen yet whenever a screen
asks (a page, or the stream after new rows or at least every second, since waits grow while
nothing happens), so a wallboard is at most one poll (50 ms) plus one second behind. The
interval reports are ``metrics.interval_report`` over the journal of the chosen day: the same
fold, so a report and the board agree.
"""

from __future__ import annotations

import threading
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from lealtad.contact_engine.interval_report import interval_report
from lealtad.contact_engine.metrics import TOTAL, Wallboard
from lealtad.contact_engine.routing.model import QueueSpec
from lealtad.contactcenter import selectors
from lealtad.contactcenter.choices import AgentState
from lealtad.contactcenter.models import CenterEvent
from lealtad.contactcenter.views_live import CENTER, fragment_renderer
from lealtad.core import live
from lealtad.core.access import require
from lealtad.core.roles import Capability

REPORT_MINUTES = (15, 30, 60)
WALLBOARD_REFRESH = 1.0  # seconds between pictures while events keep coming


def _event(row: CenterEvent, customers: dict[int, int | None] | None = None) -> dict[str, Any]:
    return {
        "at": row.at.timestamp(),
        "kind": row.kind,
        "contact_id": row.contact_id,
        "agent_id": row.agent_id,
        "queue": row.queue or None,
        "medium": row.medium or None,
        "tier": row.tier or None,
        "state": row.state or None,
        "reason": row.reason or None,
        "customer_id": (customers or {}).get(row.contact_id) if row.contact_id else None,
    }


def _queue_specs() -> list[QueueSpec]:
    return [
        QueueSpec(
            q.name,
            q.skill.name,
            service_level_seconds=float(q.service_level_seconds),
            service_level_target=float(q.service_level_target),
        )
        for q in selectors.queues()
    ]


def _agent_queues() -> dict[int, list[str]]:
    by_skill: dict[str, list[str]] = {}
    for q in selectors.queues():
        by_skill.setdefault(q.skill.name, []).append(q.name)
    return {
        a.pk: [name for s in a.skills.all() for name in by_skill.get(s.skill.name, [])]
        for a in selectors.agents()
    }


class LiveBoard:
    """Today's wallboard in this process, caught up from the journal on demand."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.day: date | None = None
        self.board = Wallboard()
        self.last = 0

    def _start(self, today: date) -> None:
        midnight = timezone.make_aware(datetime.combine(today, time.min))
        self.board = Wallboard(_queue_specs(), _agent_queues())
        self.day = today
        # Agents who logged in before midnight: their state as it stood then.
        for agent in selectors.agents():
            if agent.state_since is not None and agent.state_since < midnight:
                self.board.apply(
                    {
                        "at": midnight.timestamp(),
                        "kind": "agent.state",
                        "agent_id": agent.pk,
                        "state": agent.state,
                    }
                )
        first = selectors.journal_between(midnight, midnight + timedelta(days=1)).first()
        self.last = first.pk - 1 if first is not None else selectors.last_journal_id()

    def view(self) -> dict[str, Any]:
        with self.lock:
            now = timezone.now()
            today = timezone.localdate(now)
            if self.day != today:
                self._start(today)
            while True:
                rows = selectors.journal_since(self.last, 2000)
                for row in rows:
                    self.board.apply(_event(row))
                if rows:
                    self.last = rows[-1].pk
                if len(rows) < 2000:
                    break
            return self.board.view(now.timestamp())

    def reset(self) -> None:
        """Forget the board (tests; after the queues change): the next view replays today."""
        with self.lock:
            self.day, self.last = None, 0


BOARD = LiveBoard()


def board_context() -> dict[str, Any]:
    view = BOARD.view()
    labels = {q.name: q.label or q.name for q in selectors.queues()}
    rows = [
        {"name": name, "label": labels.get(name, name), **row}
        for name, row in sorted(view["queues"].items())
        if name != TOTAL
    ]
    return {"rows": rows, "total": view["total"], "at": timezone.now()}


@login_required
@require_GET
def wallboard(request: HttpRequest) -> HttpResponse:
    require(request, Capability.CONTACT_SUPERVISE)
    after = selectors.last_journal_id()
    return render(
        request,
        "contactcenter/wallboard.html",
        {"board": board_context(), "after": after, "section": "wallboard"},
    )


@login_required
@require_GET
def wallboard_stream(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The board's picture after new journal rows (at most once a second)."""
    require(request, Capability.CONTACT_SUPERVISE)

    def build(events: list[live.Event]) -> list[tuple[int, str, str, dict[str, Any]]]:
        last = events[-1].id
        return [(last, "board", "contactcenter/_board.html", {"board": board_context()})]

    return live.stream(
        request,
        CENTER,
        render=fragment_renderer(request, build),
        coalesce=WALLBOARD_REFRESH,
        refresh=WALLBOARD_REFRESH,
    )


def _report_day(raw: str) -> date:
    try:
        return date.fromisoformat(raw) if raw else timezone.localdate()
    except ValueError:
        return timezone.localdate()


@login_required
@require_GET
def reports(request: HttpRequest) -> HttpResponse:
    """Interval reports (15/30/60 min) of one day with the seed's metrics."""
    require(request, Capability.CONTACT_SUPERVISE)
    day = _report_day(request.GET.get("day", ""))
    minutes = (
        int(request.GET.get("minutes", "30"))
        if request.GET.get("minutes", "30") in {"15", "30", "60"}
        else 30
    )
    start = timezone.make_aware(datetime.combine(day, time.min))
    end = start + timedelta(days=1)
    rows = selectors.journal_between(start - timedelta(days=1), end)
    events = [_event(r) for r in rows]
    report = interval_report(
        events, start.timestamp(), end.timestamp(), minutes=minutes, queues=_queue_specs()
    )
    # Only intervals where something happened (a day of 15-minute rows is 96 per queue).
    busy = {r["start"] for r in report if r["queue"] == TOTAL and (r["offered"] or r["B"])}
    shown = [
        {
            **r,
            "from": datetime.fromtimestamp(r["start"], tz=start.tzinfo),
            "to": datetime.fromtimestamp(r["end"], tz=start.tzinfo),
        }
        for r in report
        if r["start"] in busy
    ]
    return render(
        request,
        "contactcenter/reports.html",
        {
            "rows": shown,
            "day": day,
            "minutes": minutes,
            "choices": REPORT_MINUTES,
            "section": "reports",
        },
    )


@login_required
@require_GET
def agents_list(request: HttpRequest) -> HttpResponse:
    require(request, Capability.CONTACT_SUPERVISE)
    rows = [
        {
            "agent": a,
            "skills": selectors.skills_of(a),
            "logged_in": a.state
            not in (AgentState.LOGGED_OUT, AgentState.VACATION, AgentState.SICKNESS),
        }
        for a in selectors.agents()
    ]
    return render(request, "contactcenter/agents.html", {"rows": rows, "section": "agents"})
