"""Lealtad's URLs plus live streams over test journals (tests/core/test_live.py).

``MEMORY`` is a journal in a list the test appends to (the mechanism without a table);
``OUTBOX`` follows the hub's outbox table, read by the feed's own thread and connection.
"""

from __future__ import annotations

import threading
from typing import Any

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.urls import path

from lealtad.core import live
from lealtad.core.models import OutboxMessage
from lealtad.urls import urlpatterns as lealtad_urls


class MemoryJournal:
    def __init__(self) -> None:
        self.rows: list[tuple[int, str, Any]] = []
        self.lock = threading.Lock()
        self.polls = 0

    def append(self, name: str, data: Any) -> int:
        with self.lock:
            row_id = len(self.rows) + 1
            self.rows.append((row_id, name, data))
            return row_id

    def since(self, after: int, limit: int) -> list[tuple[int, str, Any]]:
        with self.lock:
            self.polls += 1
            return self.rows[after : after + limit]

    def head(self) -> int:
        with self.lock:
            return len(self.rows)

    def reset(self) -> None:
        with self.lock:
            self.rows, self.polls = [], 0


JOURNAL = MemoryJournal()
MEMORY = live.Topic("test-memory", JOURNAL.since, JOURNAL.head, max_backlog=50)
SLOW = live.Topic("test-slow", JOURNAL.since, JOURNAL.head, poll_interval=5.0)


def _outbox_since(after: int, limit: int) -> list[live.Event]:
    rows = OutboxMessage.objects.filter(id__gt=after).order_by("id")[:limit]
    return [live.Event(row.id, row.event_type, row.payload) for row in rows]


def _outbox_head() -> int:
    last = OutboxMessage.objects.order_by("-id").values_list("id", flat=True).first()
    return last or 0


OUTBOX = live.Topic("test-outbox", _outbox_since, _outbox_head)


def memory(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    only = request.GET.get("only")
    pick = (lambda event: event.name == only) if only else None
    return live.stream(request, MEMORY, pick=pick)


def rendered(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    def render(events: list[live.Event]) -> list[live.Event]:
        # Runs in a worker thread: may touch the database.
        count = OutboxMessage.objects.count()
        return [live.Event(e.id, "html", f"<p>{e.data} ({count})</p>") for e in events]

    return live.stream(request, MEMORY, render=render)


def refreshed(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    def render(events: list[live.Event]) -> list[live.Event]:
        return [live.Event(events[-1].id, "picture", f"{len(events)} {events[-1].name}")]

    return live.stream(request, MEMORY, render=render, refresh=0.3)


def slow(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    return live.stream(request, SLOW)


def outbox(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    return live.stream(request, OUTBOX)


urlpatterns = [
    path("test/live/memory/", memory),
    path("test/live/rendered/", rendered),
    path("test/live/slow/", slow),
    path("test/live/refreshed/", refreshed),
    path("test/live/outbox/", outbox),
    *lealtad_urls,
]
