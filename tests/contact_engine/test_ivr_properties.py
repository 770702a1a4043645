"""Whatever a caller presses, the session answers with a valid step and never crashes."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from lealtad.contact_engine.ivr import Flow, Session, Step
from tests.contact_engine.ivr_support import (
    BANK_BOOK,
    CARD,
    CEDULA,
    TELECOM_BOOK,
    BookHost,
    example,
)

FLOWS = {"bank": example("bank"), "telecom": example("telecom")}
BOOKS = {"bank": BANK_BOOK, "telecom": TELECOM_BOOK}

facts_strategy = st.fixed_dictionaries(
    {},
    optional={
        "caller_id": st.sampled_from(["+593991234567", "+593900000000", ""]),
        "known_customer": st.booleans() | st.none() | st.sampled_from(["true", "no"]),
        "tier": st.sampled_from(["premier", "gold", "silver", "bronze", ""]) | st.none(),
        "language": st.sampled_from(["es", "en", "fr", ""]) | st.none(),
        "customer_name": st.text(max_size=20),
        "open_order": st.booleans(),
        "after_hours": st.booleans() | st.none(),
    },
)
dtmf = st.text(alphabet="0123456789*#", max_size=20)
keys = st.one_of(
    st.none(),  # a timeout
    st.sampled_from(["0", "1", "2", "3", "4", "5", "8", "9", CARD + "#", CEDULA]),
    dtmf,
    st.text(max_size=8),  # whatever a broken PBX might send
)


def assert_valid(flow: Flow, step: Step, said: str = "") -> None:
    """``said``: a fact the prompts may repeat (a customer's name), which may hold a brace
    itself; every placeholder of the flow's own text must be filled."""
    assert (step.expect is None) != (step.action is None)
    assert step.language in flow.languages
    assert step.node in flow.nodes
    for prompt in step.prompts:
        own = prompt.text.replace(said, "") if said else prompt.text
        assert prompt.text and "{" not in own and prompt.language == step.language
        assert prompt.id.startswith(flow.name + ".")
    if step.expect is not None:
        node = flow.nodes[step.node]
        assert node.takes_input()
        assert step.prompts, "a caller is never asked for keys in silence"
        assert 1 <= step.expect.min_digits <= step.expect.max_digits
    json.dumps(step.to_dict())


@settings(max_examples=300, deadline=None)
@given(
    name=st.sampled_from(sorted(FLOWS)),
    facts=facts_strategy,
    down=st.booleans(),
    presses=st.lists(keys, max_size=30),
    keep_every=st.integers(min_value=1, max_value=4),
)
def test_any_key_sequence_gives_valid_steps(name, facts, down, presses, keep_every):
    flow = FLOWS[name]
    session, step = Session.start(flow, facts, BookHost(BOOKS[name], down=down))
    said = facts.get("customer_name", "")
    assert_valid(flow, step, said)
    for count, pressed in enumerate(presses):
        if step.terminal:
            break
        if count % keep_every == 0:  # the host stored the session between requests
            stored = json.loads(json.dumps(session.to_dict()))
            session = Session.from_dict(flow, stored, BookHost(BOOKS[name], down=down))
        step = session.timeout() if pressed is None else session.input(pressed)
        assert_valid(flow, step, said)
        assert session.step == step


@settings(max_examples=100, deadline=None)
@given(
    name=st.sampled_from(sorted(FLOWS)), facts=facts_strategy, presses=st.lists(dtmf, max_size=5)
)
def test_a_caller_who_goes_silent_is_never_left_on_the_line(name, facts, presses):
    """After any start, a silent caller reaches a queue, a voicemail or a goodbye within the
    retries of the nodes on the way: no flow can hold a line forever."""
    flow = FLOWS[name]
    session, step = Session.start(flow, facts, BookHost(BOOKS[name]))
    for pressed in presses:
        if step.terminal:
            break
        step = session.input(pressed)
    limit = sum(getattr(node, "retries", 0) for node in flow.nodes.values())
    for _ in range(limit):
        if step.terminal:
            break
        step = session.timeout()
    assert step.terminal


def test_a_name_holding_a_brace_is_said_as_it_is() -> None:
    """Hypothesis found a customer named ``{``: the welcome says it, and nothing else of the
    prompt is left unfilled."""
    flow = FLOWS["bank"]
    facts = {"caller_id": "+593991234567", "known_customer": True, "customer_name": "{"}
    _session, step = Session.start(flow, facts, BookHost(BANK_BOOK))
    assert_valid(flow, step, "{")
    assert any("{" in p.text for p in step.prompts)
