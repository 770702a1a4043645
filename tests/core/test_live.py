"""Live screens over Server-Sent Events (lealtad.core.live), through a real uvicorn server."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from lealtad.core import live
from lealtad.core.models import OutboxMessage
from tests.core.live_urls import JOURNAL, _outbox_head

pytestmark = pytest.mark.urls("tests.core.live_urls")


@pytest.fixture(autouse=True)
def _fresh_journal() -> Iterator[None]:
    JOURNAL.reset()
    yield
    JOURNAL.reset()


class Stream:
    """An SSE client: reads messages (``{"id", "event", "data"}`` or ``{"comment"}``)."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.lines = response.iter_lines()

    def next(self) -> dict[str, Any]:
        message: dict[str, Any] = {}
        data: list[str] = []
        for line in self.lines:
            if line == "":
                if data:
                    message["data"] = "\n".join(data)
                if message:
                    return message
                continue
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "":
                message["comment"] = value
            elif name == "data":
                data.append(value)
            else:
                message[name] = value
        raise EOFError("the stream ended")

    def next_event(self) -> dict[str, Any]:
        while True:
            message = self.next()
            if "data" in message:
                return message


@contextmanager
def sse(url: str, headers: dict[str, str] | None = None, read: float = 5.0) -> Iterator[Stream]:
    with (
        httpx.Client(timeout=httpx.Timeout(5.0, read=read)) as client,
        client.stream("GET", url, headers=headers or {}) as response,
    ):
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        stream = Stream(response)
        assert stream.next() == {"retry": "2000"}
        yield stream


def wait_until(condition: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def append_soon(*rows: tuple[str, Any], delay: float = 0.2) -> None:
    def later() -> None:
        time.sleep(delay)
        for name, data in rows:
            JOURNAL.append(name, data)

    threading.Thread(target=later, daemon=True).start()


@pytest.mark.django_db(transaction=True)
def test_new_events_arrive_in_order_with_ids_names_and_data(asgi_server: str) -> None:
    JOURNAL.append("old", "before the client came")
    with sse(f"{asgi_server}/test/live/memory/") as stream:
        append_soon(("offer", {"contact": 7}), ("note", "line one\nline two"), ("state", "x"))
        got = [stream.next_event() for _ in range(3)]
    assert [(m["id"], m["event"]) for m in got] == [("2", "offer"), ("3", "note"), ("4", "state")]
    assert json.loads(got[0]["data"]) == {"contact": 7}
    assert got[1]["data"] == "line one\nline two"


@pytest.mark.django_db(transaction=True)
def test_a_client_resumes_after_its_last_event_id(asgi_server: str) -> None:
    for n in range(1, 6):
        JOURNAL.append("n", n)
    url = f"{asgi_server}/test/live/memory/"
    with sse(url, headers={"Last-Event-ID": "2"}) as stream:
        assert [stream.next_event()["id"] for _ in range(3)] == ["3", "4", "5"]
    # The page's own position on the first connect; the browser's header wins on a reconnect.
    with sse(f"{url}?after=3") as stream:
        assert stream.next_event()["id"] == "4"
    with sse(f"{url}?after=1", headers={"Last-Event-ID": "4"}) as stream:
        assert stream.next_event()["id"] == "5"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("value", ["-1", "abc", "1.5", "\uff19"])
def test_a_bad_position_is_refused_naming_the_field(asgi_server: str, value: str) -> None:
    answer = httpx.get(f"{asgi_server}/test/live/memory/", params={"after": value})
    assert answer.status_code == 400
    assert "after" in answer.text
    assert live.open_streams() == 0


@pytest.mark.django_db(transaction=True)
def test_a_client_too_far_behind_is_told_to_resync(asgi_server: str) -> None:
    for n in range(80):  # MEMORY keeps a backlog of at most 50
        JOURNAL.append("n", n)
    with sse(f"{asgi_server}/test/live/memory/?after=0") as stream:
        message = stream.next_event()
        assert message["event"] == "resync"
        assert json.loads(message["data"]) == {"last": 80} and message["id"] == "80"
        append_soon(("n", "new"))
        assert stream.next_event()["id"] == "81"


@pytest.mark.django_db(transaction=True)
def test_an_idle_stream_sends_heartbeats_carrying_skipped_ids(asgi_server: str, settings) -> None:
    settings.LEALTAD_LIVE_HEARTBEAT = 0.3
    with sse(f"{asgi_server}/test/live/memory/?only=wanted", read=2.0) as stream:
        started = time.monotonic()
        assert stream.next() == {"comment": "keep-alive"}
        assert time.monotonic() - started < 1.5
        JOURNAL.append("unwanted", "not for this client")
        # The event is not sent, but the position moves past it (a reconnect skips it).
        message = stream.next()
        while "id" not in message:
            message = stream.next()
        assert message == {"comment": "keep-alive", "id": "1"}


@pytest.mark.django_db(transaction=True)
def test_pick_chooses_a_clients_events(asgi_server: str) -> None:
    with sse(f"{asgi_server}/test/live/memory/?only=mine") as stream:
        append_soon(("other", 1), ("mine", 2), ("other", 3), ("mine", 4))
        got = [stream.next_event() for _ in range(2)]
    assert [(m["id"], m["data"]) for m in got] == [("2", "2"), ("4", "4")]


@pytest.mark.django_db(transaction=True)
def test_render_turns_events_into_fragments_in_a_worker_thread(asgi_server: str) -> None:
    with sse(f"{asgi_server}/test/live/rendered/") as stream:
        append_soon(("n", "hola"))
        message = stream.next_event()
    assert message == {"id": "1", "event": "html", "data": "<p>hola (0)</p>"}


@pytest.mark.django_db(transaction=True)
def test_a_refreshing_stream_renders_again_when_nothing_comes(asgi_server: str) -> None:
    JOURNAL.append("n", "before")
    with sse(f"{asgi_server}/test/live/refreshed/") as stream:
        started = time.monotonic()
        assert stream.next_event() == {"id": "1", "event": "picture", "data": "1 live.refresh"}
        assert 0.2 < time.monotonic() - started < 1.5
        JOURNAL.append("n", "new")
        assert stream.next_event() == {"id": "2", "event": "picture", "data": "1 n"}


@pytest.mark.django_db(transaction=True)
def test_rows_committed_in_a_journal_table_reach_the_stream(asgi_server: str) -> None:
    # As a page does: the stream continues from the id read before (a stream opened with no
    # id starts at the head it reads, which a row committed meanwhile may already be under).
    head = _outbox_head()
    with sse(f"{asgi_server}/test/live/outbox/?after={head}") as stream:
        row = OutboxMessage.objects.create(
            event_id="e-1",
            event_type="contact.offered",
            payload={"agent": 3},
            created_at=timezone.now(),
        )
        started = time.monotonic()
        message = stream.next_event()
        latency = time.monotonic() - started
    assert (message["id"], message["event"]) == (str(row.id), "contact.offered")
    assert json.loads(message["data"]) == {"agent": 3}
    assert latency < 1.0


@pytest.mark.django_db(transaction=True)
def test_one_poll_per_tick_serves_every_client(asgi_server: str) -> None:
    url = f"{asgi_server}/test/live/memory/"
    with (
        sse(url) as a,
        sse(url) as b,
        sse(url) as c,
        sse(url) as d,
        sse(url) as e,
        sse(url) as f,
        sse(url) as g,
        sse(url) as h,
    ):
        clients = [a, b, c, d, e, f, g, h]
        polls_before, started = JOURNAL.polls, time.monotonic()
        time.sleep(1.0)
        polls = JOURNAL.polls - polls_before
        elapsed = time.monotonic() - started
        JOURNAL.append("all", "everyone")
        assert all(client.next_event()["data"] == "everyone" for client in clients)
    # About one poll every 50 ms for the process, not one per client per tick.
    assert 5 <= polls <= elapsed / 0.05 + 3


@pytest.mark.django_db(transaction=True)
def test_a_nudge_wakes_the_feed_before_its_tick(asgi_server: str) -> None:
    with sse(f"{asgi_server}/test/live/slow/") as stream:  # polls every 5 s
        time.sleep(0.3)  # let the poller start its long wait
        JOURNAL.append("n", "now")
        started = time.monotonic()
        live.nudge("test-slow")
        assert stream.next_event()["data"] == "now"
        assert time.monotonic() - started < 1.0


@pytest.mark.django_db(transaction=True)
def test_a_client_that_goes_frees_its_stream_and_the_poller_stops(asgi_server: str) -> None:
    with sse(f"{asgi_server}/test/live/memory/"):
        wait_until(lambda: live.open_streams() == 1)
    wait_until(lambda: live.open_streams() == 0)
    polls = JOURNAL.polls
    time.sleep(0.3)
    assert JOURNAL.polls == polls  # nobody listens: nobody polls


@pytest.mark.django_db(transaction=True)
def test_beyond_the_cap_a_worker_answers_503(asgi_server: str, settings) -> None:
    settings.LEALTAD_LIVE_MAX_STREAMS = 2
    url = f"{asgi_server}/test/live/memory/"
    with sse(url):
        with sse(url):
            busy = httpx.get(url, timeout=5)
            assert busy.status_code == 503
            assert busy.headers["Retry-After"] == "5"
        wait_until(lambda: live.open_streams() == 1)
        with sse(url) as again:
            append_soon(("n", "served"))
            assert again.next_event()["data"] == "served"


@pytest.mark.django_db(transaction=True)
def test_a_stream_ends_after_its_maximum_age(asgi_server: str, settings) -> None:
    settings.LEALTAD_LIVE_MAX_AGE = 0.5
    started = time.monotonic()
    with sse(f"{asgi_server}/test/live/memory/") as stream, pytest.raises(EOFError):
        stream.next()
    assert time.monotonic() - started < 3
    wait_until(lambda: live.open_streams() == 0)


def _parse(payload: bytes) -> dict[str, Any]:
    fields: dict[str, Any] = {"data": []}
    assert payload.endswith(b"\n\n")
    for line in payload.decode().split("\n")[:-2]:
        name, _, value = line.partition(": ")
        if name == "data":
            fields["data"].append(value)
        else:
            fields[name] = value
    return fields


@given(
    st.integers(min_value=0, max_value=2**53),
    st.text(
        alphabet=st.characters(blacklist_characters="\r\n", blacklist_categories=("Cs",)),
        min_size=1,
        max_size=20,
    ),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200),
)
def test_any_text_survives_the_wire_format(event_id: int, name: str, data: str) -> None:
    fields = _parse(live.format_event(live.Event(event_id, name, data)))
    assert fields["id"] == str(event_id) and fields["event"] == name
    normalized = data.replace("\r\n", "\n").replace("\r", "\n")
    assert "\n".join(fields["data"]) == normalized


def test_a_lone_surrogate_in_data_is_replaced_not_a_failure() -> None:
    assert live.format_event(live.Event(1, "n", "a\ud800b")).endswith(b"data: a?b\n\n")


def test_an_event_name_with_a_line_break_is_refused() -> None:
    with pytest.raises(ValueError, match="line break"):
        live.format_event(live.Event(1, "offer\ndata: injected", ""))


@pytest.mark.django_db(transaction=True)
def test_a_server_shutting_down_ends_every_stream(asgi_server: str) -> None:
    """uvicorn waits for responses to end before it exits; SIGTERM ends the streams (the signal
    hook is installed only in a server's main thread, so the test calls what it runs)."""
    with sse(f"{asgi_server}/test/live/memory/") as stream:
        wait_until(lambda: live.open_streams() == 1)
        time.sleep(0.2)  # the stream is following the feed
        live._end_all_streams()
        started = time.monotonic()
        with pytest.raises(EOFError):
            stream.next()
        assert time.monotonic() - started < 1.0
    wait_until(lambda: live.open_streams() == 0)
