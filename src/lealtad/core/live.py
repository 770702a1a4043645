"""Server-Sent Events for live screens (agent desktop, wallboard, dashboards).

A live screen follows a *topic*: an append-only journal table whose rows have increasing,
committed-in-order ids (``since(after, limit)`` reads rows after an id, ``head()`` the last
id). The truth stays in the database, so every process, and a browser that lost its
connection, can catch up from an id: the browser's ``Last-Event-ID`` on reconnect, or the id
the page was rendered at (``?after=``) on the first connect, so nothing falls between the
page and its stream.

Per process and per topic one *feed* polls the journal (every ``poll_interval``, 50 ms, in one
thread of its own, so the event loop never waits on the database) while it has clients, keeps
the recent events in memory and wakes every client at once: one query per tick whatever the
number of screens, not one per client. A write in this process can :func:`nudge` the feed to
look at once; other processes' writes are seen on the next tick (the cheap cross-process
wake-up; the same code works on SQLite and PostgreSQL, no broker needed).

The stream is a ``StreamingHttpResponse`` over an *async* generator: the ASGI server
(``lealtad.asgi``) runs the view in its thread pool but iterates the body on the event loop, so
an open stream holds no thread. A sync iterator would be consumed whole in a thread. Each stream
sends ``retry:``, a comment every ``heartbeat`` seconds (proxies and the browser see a live
connection), ends when the client goes (the server cancels it) or after ``max_age`` (the
browser reconnects at once, which spreads streams over workers after a restart), and a worker
serves at most ``LEALTAD_LIVE_MAX_STREAMS`` streams: beyond that it answers 503.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import threading
import weakref
from bisect import bisect_right
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections, connections
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Event:
    """One journal row as the browser gets it: ``data`` is sent as is when it is a string (an
    HTML fragment, escaped by its template), as JSON otherwise."""

    id: int
    name: str
    data: Any = ""


Since = Callable[[int, int], Sequence[Event | tuple[int, str, Any]]]
Pick = Callable[[Event], bool]
Render = Callable[[list[Event]], Sequence[Event]]


@dataclass(frozen=True)
class Topic:
    """A journal live screens follow. ``since(after, limit)`` returns at most ``limit`` rows
    with ``id > after`` in id order; ``head()`` the last committed id (0 when empty)."""

    name: str
    since: Since
    head: Callable[[], int]
    poll_interval: float = 0.05
    buffer_size: int = 5000  # recent events kept in memory for clients a little behind
    fetch_limit: int = 1000  # rows per poll
    max_backlog: int = 5000  # a client further behind is told to reload (``resync``)


# --- settings (read per use, so a test can change them on a running server) -----------------


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


def heartbeat_seconds() -> float:
    return _setting("LEALTAD_LIVE_HEARTBEAT", 15.0)


def max_streams() -> int:
    return int(_setting("LEALTAD_LIVE_MAX_STREAMS", 1000))


def max_age_seconds() -> float:
    return _setting("LEALTAD_LIVE_MAX_AGE", 600.0)


def retry_ms() -> int:
    return int(_setting("LEALTAD_LIVE_RETRY_MS", 2000))


# --- the wire format --------------------------------------------------------------------------


def format_event(event: Event) -> bytes:
    """One SSE message. A data line may not hold a newline: each line gets its own field."""
    if "\n" in event.name or "\r" in event.name:
        raise ValueError(f"event name may not contain a line break: {event.name!r}")
    data = event.data if isinstance(event.data, str) else json.dumps(event.data, default=str)
    lines = [f"id: {event.id}", f"event: {event.name}"]
    lines += [
        f"data: {line}" for line in data.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    ]
    # A lone surrogate (never in JSON, possible in a str) cannot be UTF-8: "?" instead.
    return ("\n".join(lines) + "\n\n").encode("utf-8", "replace")


def _as_event(row: Event | tuple[int, str, Any]) -> Event:
    return row if isinstance(row, Event) else Event(int(row[0]), str(row[1]), row[2])


# --- the per-process feed -----------------------------------------------------------------------

# One thread reads every journal: its one database connection is closed when a feed stops.
_reader = ThreadPoolExecutor(1, thread_name_prefix="lealtad-live")


def _read(function: Callable[..., T], *args: Any) -> T:
    close_old_connections()  # a connection past CONN_MAX_AGE or broken is reopened
    return function(*args)


async def _in_reader(function: Callable[..., T], *args: Any) -> T:
    return await asyncio.get_running_loop().run_in_executor(_reader, _read, function, *args)


class _Feed:
    """A topic's events in one event loop: ``(floor, last]`` are all in memory."""

    def __init__(self, topic: Topic) -> None:
        self.topic = topic
        self.floor = self.last = 0
        self.ids: list[int] = []
        self.events: list[Event] = []
        self.clients = 0
        self.tick = asyncio.Event()  # replaced on each batch: setting it wakes every client
        self.nudged = asyncio.Event()
        self.closing = False  # the server is shutting down: every stream ends now
        self.ready = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    def join(self) -> asyncio.Event:
        """Count a client in (and start polling); the answer is set once the head is read."""
        self.clients += 1
        if self.task is None:
            self.ready = asyncio.Event()
            self.task = asyncio.get_running_loop().create_task(self._run())
        return self.ready

    def leave(self) -> None:
        self.clients -= 1
        if self.clients <= 0:
            self.nudged.set()  # the poller stops now rather than on its next tick

    def covers(self, after: int) -> bool:
        return after >= self.floor

    def after(self, after: int) -> list[Event]:
        return self.events[bisect_right(self.ids, after) :]

    async def _run(self) -> None:
        try:
            await self._start()
            while self.clients > 0:
                await self._wait_for_tick()
                if self.clients > 0:
                    await self._poll()
        finally:
            self.task = None  # before any await: a client joining now starts a new poller
            self.ready.set()
            await _in_reader(connections.close_all)

    async def _start(self) -> None:
        while True:
            try:
                head = await _in_reader(self.topic.head)
                break
            except Exception:
                logger.exception("live topic %s: reading the head failed", self.topic.name)
                await asyncio.sleep(1)
        self.floor = self.last = head
        self.ids, self.events = [], []
        self.ready.set()

    async def _wait_for_tick(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.nudged.wait(), self.topic.poll_interval)
        self.nudged.clear()

    async def _poll(self) -> None:
        try:
            rows = await _in_reader(self.topic.since, self.last, self.topic.fetch_limit)
        except Exception:
            logger.exception("live topic %s: polling failed", self.topic.name)
            await asyncio.sleep(1)
            return
        batch = [event for event in map(_as_event, rows) if event.id > self.last]
        if not batch:
            return
        self.ids += [event.id for event in batch]
        self.events += batch
        self.last = batch[-1].id
        excess = len(self.ids) - self.topic.buffer_size
        if excess > 0:
            self.floor = self.ids[excess - 1]
            del self.ids[:excess], self.events[:excess]
        if len(rows) >= self.topic.fetch_limit:
            self.nudged.set()  # more are waiting: no pause
        woken, self.tick = self.tick, asyncio.Event()
        woken.set()


_feeds: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, _Feed]] = (
    weakref.WeakKeyDictionary()
)
_feeds_lock = threading.Lock()


def _feed(topic: Topic) -> _Feed:
    loop = asyncio.get_running_loop()
    with _feeds_lock:
        by_name = _feeds.setdefault(loop, {})
        feed = by_name.get(topic.name)
        if feed is None or feed.topic is not topic:
            feed = by_name[topic.name] = _Feed(topic)
        return feed


def nudge(topic_name: str) -> None:
    """Tell this process's feeds of ``topic_name`` that rows were committed: they look now
    instead of on their next tick. Safe from any thread; call it after the commit
    (``transaction.on_commit``)."""
    with _feeds_lock:
        targets = [(loop, by[topic_name]) for loop, by in _feeds.items() if topic_name in by]
    for loop, feed in targets:
        if not loop.is_closed():
            loop.call_soon_threadsafe(feed.nudged.set)


def _end_all_streams() -> None:
    """The server is stopping: end every stream of every loop in this process (uvicorn waits
    for responses to complete, and a live stream never completes by itself)."""
    with _feeds_lock:
        targets = [(loop, feed) for loop, by in _feeds.items() for feed in by.values()]
    for loop, feed in targets:
        if not loop.is_closed():
            loop.call_soon_threadsafe(_close_feed, feed)


def _close_feed(feed: _Feed) -> None:
    feed.closing = True
    woken, feed.tick = feed.tick, asyncio.Event()
    woken.set()


_hooked = False


def _hook_shutdown() -> None:
    """Chain a SIGTERM/SIGINT handler before the server's own (installed when it started), once
    per process. Only the main thread may: a server run in another thread (tests) is left as
    is, its streams end when their clients go."""
    global _hooked
    if _hooked or threading.current_thread() is not threading.main_thread():
        return
    _hooked = True
    for number in (signal.SIGTERM, signal.SIGINT):
        previous = signal.getsignal(number)

        def handler(sig: int, frame: Any, previous: Any = previous) -> None:
            _end_all_streams()
            if callable(previous):
                previous(sig, frame)
            elif previous == signal.SIG_DFL:  # nobody else listens: do what it would have
                signal.signal(sig, signal.SIG_DFL)
                os.kill(os.getpid(), sig)

        signal.signal(number, handler)


# --- streams per worker ---------------------------------------------------------------------------

_open = 0
_open_lock = threading.Lock()


def open_streams() -> int:
    """Streams this process is serving now."""
    return _open


@dataclass
class _Slot:
    held: bool = True
    lock: threading.Lock = field(default_factory=threading.Lock)

    def release(self) -> None:
        global _open
        with self.lock:
            if not self.held:
                return
            self.held = False
        with _open_lock:
            _open -= 1


def _take_slot() -> _Slot | None:
    global _open
    with _open_lock:
        if _open >= max_streams():
            return None
        _open += 1
    return _Slot()


class EventStreamResponse(StreamingHttpResponse):
    """``text/event-stream`` whose close (always called by the server) frees the worker's slot,
    even when the body was never iterated."""

    def __init__(self, content: AsyncIterator[bytes], slot: _Slot) -> None:
        super().__init__(content, content_type="text/event-stream; charset=utf-8")
        self.slot = slot
        self["Cache-Control"] = "no-cache"
        self["X-Accel-Buffering"] = "no"  # a reverse proxy must pass each event on at once

    def close(self) -> None:
        self.slot.release()
        super().close()


# --- one client's stream -------------------------------------------------------------------


class BadEventId(ValueError):
    pass


def resume_id(request: HttpRequest) -> int | None:
    """Where the client is: the browser's ``Last-Event-ID`` on a reconnect, else ``?after=``
    (the id the page was rendered at), else None (only events from now on)."""
    for name, raw in (
        ("Last-Event-ID", request.headers.get("Last-Event-ID")),
        ("after", request.GET.get("after")),
    ):
        if raw is None or raw == "":
            continue
        if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
            raise BadEventId(
                _("%(field)s must be a whole number ≥ 0, not %(value)r")
                % {"field": name, "value": raw[:40]}
            )
        return int(raw)
    return None


REFRESH = "live.refresh"


@dataclass(frozen=True)
class _Options:
    pick: Pick | None = None
    render: Render | None = None
    coalesce: float = 0.0
    refresh: float = 0.0


def stream(
    request: HttpRequest,
    topic: Topic,
    *,
    pick: Pick | None = None,
    render: Render | None = None,
    coalesce: float = 0.0,
    refresh: float = 0.0,
) -> HttpResponse | StreamingHttpResponse:
    """The SSE answer for a view (which has checked the caller's capability first).

    ``pick`` chooses this client's events (runs on the event loop: keep it a cheap test of the
    event's data); ``render`` turns a batch of picked events into the messages to send (runs in
    a worker thread, may read the database and render templates; it keeps the journal ids);
    ``coalesce`` waits that many seconds after each send so a busy journal is rendered at most
    that often (a wallboard folds many events into one picture); ``refresh`` calls ``render``
    with one :data:`REFRESH` event (the current id) when nothing came for that many seconds
    (a wallboard's waits grow while nothing happens).
    """
    try:
        start = resume_id(request)
    except BadEventId as error:
        return HttpResponse(str(error), status=400, content_type="text/plain; charset=utf-8")
    slot = _take_slot()
    if slot is None:
        busy = HttpResponse(
            _("Too many live screens on this server; retrying shortly."),
            status=503,
            content_type="text/plain; charset=utf-8",
        )
        busy["Retry-After"] = "5"
        return busy
    options = _Options(pick, render, coalesce, refresh if render is not None else 0.0)
    return EventStreamResponse(_messages(topic, start, options, slot), slot)


async def _messages(
    topic: Topic, start: int | None, options: _Options, slot: _Slot
) -> AsyncIterator[bytes]:
    _hook_shutdown()
    feed = _feed(topic)
    ready = feed.join()
    try:
        yield f"retry: {retry_ms()}\n\n".encode()
        await ready.wait()
        start = feed.last if start is None else start
        async with contextlib.aclosing(_follow(feed, start, options)) as chunks:
            async for chunk in chunks:
                yield chunk
    finally:
        feed.leave()
        slot.release()


async def _catch_up(feed: _Feed, last: int) -> list[Event]:
    if feed.covers(last):
        return feed.after(last)
    return [
        _as_event(row) for row in await _in_reader(feed.topic.since, last, feed.topic.fetch_limit)
    ]


async def _follow(feed: _Feed, last: int, options: _Options) -> AsyncGenerator[bytes, None]:
    loop = asyncio.get_running_loop()
    beat, deadline = heartbeat_seconds(), loop.time() + max_age_seconds()
    told, behind = last, 0
    next_beat = loop.time() + beat
    next_refresh = loop.time() + options.refresh if options.refresh else float("inf")
    while loop.time() < deadline and not feed.closing:
        tick = feed.tick
        covered = feed.covers(last)
        batch = await _catch_up(feed, last)
        behind = 0 if covered else behind + len(batch)
        if behind > feed.topic.max_backlog:
            last, behind = feed.last, 0
            yield format_event(Event(last, "resync", {"last": last}))
            told = last
            continue
        now = loop.time()
        if not batch and now >= next_refresh:
            batch = [Event(last, REFRESH, {})]
        if batch:
            last = batch[-1].id
            messages = await _messages_for(batch, options)
            if messages:
                yield b"".join(map(format_event, messages))
                told, next_beat = messages[-1].id, loop.time() + beat
                next_refresh = loop.time() + options.refresh if options.refresh else next_refresh
                if options.coalesce:
                    await asyncio.sleep(options.coalesce)
            continue
        if now >= next_beat:
            yield (f": keep-alive\nid: {last}\n\n" if last != told else ": keep-alive\n\n").encode()
            told, next_beat = last, now + beat
        wake = max(0.0, min(next_beat, next_refresh, deadline) - now)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(tick.wait(), wake)


async def _messages_for(batch: list[Event], options: _Options) -> Sequence[Event]:
    pick, render = options.pick, options.render
    refresh = len(batch) == 1 and batch[0].name == REFRESH
    chosen = [event for event in batch if refresh or pick is None or pick(event)]
    if not chosen or render is None:
        return chosen
    # asgiref's one thread for thread-sensitive work: one more database connection per
    # process, closed by the server's shutdown like the CSV export's.
    return await sync_to_async(_rendered, thread_sensitive=True)(render, chosen)


def _rendered(render: Render, events: list[Event]) -> list[Event]:
    close_old_connections()
    return list(render(events))


def events_after(topic: Topic, after: int, limit: int | None = None) -> Iterable[Event]:
    """The topic's rows after an id, for a page or a test that reads the journal directly."""
    return [_as_event(row) for row in topic.since(after, limit or topic.fetch_limit)]
