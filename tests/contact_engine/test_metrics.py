"""The wallboard and the interval reports, folded from reason-coded journal events."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lealtad.contact_engine.interval_report import interval_report
from lealtad.contact_engine.metrics import CenterEvent, Wallboard
from lealtad.contact_engine.routing.model import QueueSpec

QUEUES = [QueueSpec("billing", "billing", service_level_seconds=15.0), QueueSpec("fraud", "fraud")]


def ev(at: float, kind: str, contact: int | None = None, **kw: object) -> CenterEvent:
    return CenterEvent(at, kind, contact_id=contact, **kw)  # type: ignore[arg-type]


def a_morning() -> list[CenterEvent]:
    """Four billing calls and one fraud call; agents 1 (billing) and 2 (fraud)."""
    return [
        ev(0, "agent.state", agent_id=1, state="available"),
        ev(0, "agent.state", agent_id=2, state="available"),
        ev(10, "contact.arrived", 1, queue="billing", customer_id=100),
        ev(11, "contact.offered", 1, agent_id=1),
        ev(20, "contact.answered", 1, agent_id=1),  # waited 10 s: within 15 s
        ev(20, "agent.state", agent_id=1, state="busy"),
        ev(30, "contact.arrived", 2, queue="billing", customer_id=200),
        ev(33, "contact.abandoned", 2),  # 3 s: a short abandon
        ev(40, "contact.arrived", 3, queue="billing", customer_id=300),
        ev(80, "contact.abandoned", 3),  # 40 s: a real abandon
        ev(50, "contact.arrived", 4, queue="billing", customer_id=100),  # customer 100 again
        ev(50, "contact.blocked", queue="billing"),
        ev(60, "contact.arrived", 5, queue="fraud", customer_id=500),
        ev(62, "contact.offered", 5, agent_id=2),
        ev(82, "contact.offer_expired", 5, agent_id=2),
        ev(82, "agent.state", agent_id=2, state="not_ready"),
        ev(110, "contact.released", 1, agent_id=1),  # talked 90 s
        ev(110, "agent.state", agent_id=1, state="wrap_up"),
        ev(140, "contact.wrapped", 1, agent_id=1, reason="resolved"),
        ev(140, "agent.state", agent_id=1, state="available"),
        ev(141, "contact.offered", 4, agent_id=1),
        ev(145, "contact.answered", 4, agent_id=1),  # waited 95 s
        ev(145, "agent.state", agent_id=1, state="busy"),
    ]


def test_the_wallboard_shows_queues_waits_abandons_and_service_level():
    board = Wallboard.replay(sorted(a_morning(), key=lambda e: e.at), queues=QUEUES)
    board.agent_queues = {1: ("billing",), 2: ("fraud",)}
    view = board.view(150.0)
    billing, fraud, total = view["queues"]["billing"], view["queues"]["fraud"], view["total"]
    assert billing["offered"] == 4
    assert billing["answered"] == 2
    assert billing["abandoned"] == 2 and billing["short_abandons"] == 1
    assert billing["abandon_rate"] == 0.5
    # answered within 15 s: contact 1 only; denominator = 2 answered + 2 abandoned - 1 short
    assert billing["service_level"] == pytest.approx(1 / 3)
    assert billing["average_speed_of_answer"] == pytest.approx((10 + 95) / 2)
    assert billing["all_trunks_busy"] == 1
    assert billing["agents_logged_in"] == 1 and billing["agents_busy"] == 1
    assert fraud["queued"] == 1 and fraud["longest_wait"] == 90.0
    assert fraud["agents_available"] == 0 and fraud["agents_logged_in"] == 1
    assert total["queued"] == 1 and total["agents_logged_in"] == 2
    assert total["service_level"] == pytest.approx(1 / 3)


def test_waits_of_contacts_still_queued_are_live():
    board = Wallboard(QUEUES)
    board.apply({"at": 0, "kind": "contact.arrived", "contact_id": 1, "queue": "billing"})
    board.apply({"at": 20, "kind": "contact.arrived", "contact_id": 2, "queue": "billing"})
    row = board.view(30.0)["queues"]["billing"]
    assert (row["queued"], row["longest_wait"], row["average_wait"]) == (2, 30.0, 20.0)
    assert row["service_level"] is None  # nobody's wait has ended yet


def test_a_transfer_moves_the_waiting_contact_but_counts_its_answer_once_where_it_arrived():
    board = Wallboard(QUEUES)
    for e in [
        ev(0, "contact.arrived", 1, queue="billing"),
        ev(5, "contact.answered", 1),
        ev(60, "contact.transferred", 1, queue="fraud"),
    ]:
        board.apply(e)
    view = board.view(70.0)
    assert view["queues"]["fraud"]["queued"] == 1 and view["queues"]["billing"]["queued"] == 0
    board.apply(ev(80, "contact.answered", 1))
    view = board.view(80.0)
    assert view["queues"]["billing"]["answered"] == 1
    assert view["queues"]["fraud"]["answered"] == 0 and view["queues"]["fraud"]["queued"] == 0


def test_events_for_unknown_or_finished_contacts_are_counted_as_ignored_not_raised():
    board = Wallboard(QUEUES)
    board.apply(ev(0, "contact.answered", 9))
    board.apply(ev(1, "contact.arrived", 1, queue="billing"))
    board.apply(ev(2, "contact.arrived", 1, queue="billing"))  # duplicated line
    board.apply(ev(3, "contact.abandoned", 1))
    board.apply(ev(4, "contact.abandoned", 1))
    assert board.ignored == 3
    assert board.view(5.0)["queues"]["billing"]["abandoned"] == 1
    with pytest.raises(ValueError, match="'at' and 'kind'"):
        board.apply({"kind": "contact.arrived"})


# ------------------------------------------------------------------ replay == live
@st.composite
def journals(draw: st.DrawFn) -> list[dict[str, object]]:
    """A plausible journal with noise: repeats, unknown contacts, out-of-order lines."""
    events: list[dict[str, object]] = []
    now = 0.0
    kinds = [
        "contact.arrived",
        "contact.offered",
        "contact.answered",
        "contact.declined",
        "contact.offer_expired",
        "contact.abandoned",
        "contact.transferred",
        "contact.released",
        "contact.wrapped",
        "contact.blocked",
        "agent.state",
    ]
    for _ in range(draw(st.integers(0, 80))):
        now += draw(st.floats(0, 30))
        events.append(
            {
                "at": now,
                "kind": draw(st.sampled_from(kinds)),
                "contact_id": draw(st.integers(1, 12)),
                "agent_id": draw(st.integers(1, 3)),
                "queue": draw(st.sampled_from(["billing", "fraud", "premier"])),
                "state": draw(st.sampled_from(["available", "busy", "wrap_up", "break"])),
                "reason": draw(st.sampled_from(["resolved", "commitment", "escalated"])),
            }
        )
    return events


@settings(max_examples=200, deadline=None)
@given(journal=journals(), cut=st.integers(0, 80), look=st.floats(0, 3000))
def test_replaying_the_journal_gives_exactly_the_live_counters(journal, cut, look):
    live = Wallboard(QUEUES, agent_queues={1: ["billing"], 2: ["fraud", "billing"]})
    for i, event in enumerate(journal):
        live.apply(event)
        if i == cut:
            live.view(look)  # looking at the board changes nothing
    replayed = Wallboard.replay(
        [CenterEvent.of(e) for e in journal],
        queues=QUEUES,
        agent_queues={1: ["billing"], 2: ["fraud", "billing"]},
    )
    assert replayed.state() == live.state()
    assert replayed.view(look) == live.view(look)
    for row in live.view(look)["queues"].values():
        assert row["queued"] >= 0 and row["answered"] + row["abandoned"] <= row["offered"]
        assert row["service_level"] is None or 0.0 <= row["service_level"] <= 1.0


@settings(max_examples=100, deadline=None)
@given(journal=journals())
def test_the_report_over_one_whole_hour_agrees_with_the_wallboard(journal):
    clean = [e for e in journal if e["at"] < 3600.0]  # type: ignore[operator]
    board = Wallboard.replay(clean, queues=QUEUES)
    rows = interval_report(clean, 0.0, 3600.0, 60, queues=QUEUES)
    total = next(r for r in rows if r["queue"] == "*")
    view = board.view(3600.0)["total"]
    for name in ("offered", "answered", "abandoned", "short_abandons", "all_trunks_busy"):
        assert total[name] == view[name], name


# ------------------------------------------------------------------ interval reports
def test_interval_report_gives_the_seed_metrics_per_half_hour():
    events = [*a_morning(), ev(1900, "contact.arrived", 6, queue="billing", customer_id=600)]
    events += [
        ev(1905, "contact.answered", 6, agent_id=1),
        ev(1965, "contact.released", 6, agent_id=1),
        ev(1975, "contact.wrapped", 6, agent_id=1, reason="commitment"),
        ev(1000, "agent.state", agent_id=2, state="break"),
        ev(2000, "agent.state", agent_id=2, state="sickness"),
        ev(3000, "agent.state", agent_id=1, state="logged_out"),
    ]
    rows = interval_report(events, 0.0, 3600.0, 30, queues=QUEUES)
    first = {r["queue"]: r for r in rows if r["start"] == 0.0}
    second = {r["queue"]: r for r in rows if r["start"] == 1800.0}
    billing = first["billing"]
    assert (billing["offered"], billing["answered"], billing["abandoned"]) == (4, 2, 2)
    assert billing["TPE"] == pytest.approx((10 + 95) / 2)
    assert billing["TPH"] == pytest.approx(90.0)  # contact 4 is still talking
    assert billing["TPL"] == pytest.approx(130.0)  # contact 1: arrived 10, wrapped 140
    # customer 100 called twice: the first contact was resolved but they came back
    assert billing["first_contact_resolution"] == 0.0
    assert billing["all_trunks_busy"] == 1
    assert second["billing"]["first_contact_resolution"] == 0.0  # wrapped as a commitment
    assert second["billing"]["TPL"] == pytest.approx(75.0)
    total = first["*"]
    # agent 1: busy 20..110 and 145..1800, wrap 110..140, available 0..20 and 140..145
    seconds = total["agent_seconds"]
    assert seconds["busy"] == pytest.approx(90 + 1655)
    assert seconds["wrap_up"] == pytest.approx(30)
    # agent 2: available 0..82, not ready 82..1000, break 1000..1800
    assert seconds["available"] == pytest.approx(20 + 5 + 82)
    assert seconds["not_ready"] == pytest.approx(918)
    assert seconds["break"] == pytest.approx(800)
    assert total["D"] == pytest.approx(3600.0)
    assert total["allocation_efficiency"] == pytest.approx(1775 / 1882)
    assert total["occupancy"] == pytest.approx(1882 / 3600)
    late = second["*"]
    assert late["agent_seconds"]["sickness"] == pytest.approx(1600)
    assert late["availability"] == pytest.approx((1200 + 200) / 3000)  # C/D, agent 1 left at 3000
    assert [r["queue"] for r in rows[:3]] == ["billing", "fraud", "*"]


def test_interval_report_refuses_other_interval_lengths_and_empty_windows():
    with pytest.raises(ValueError, match="minutes"):
        interval_report([], 0.0, 3600.0, 20)
    with pytest.raises(ValueError, match="end"):
        interval_report([], 10.0, 10.0, 15)
    assert len(interval_report([], 0.0, 3600.0, 15)) == 4  # just the "*" rows
