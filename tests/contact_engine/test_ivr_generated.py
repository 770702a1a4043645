"""Flows no one wrote: random graphs of every node kind, and random junk. The loader either
refuses with a FlowError or gives a flow on which any key sequence yields valid steps."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from lealtad.contact_engine.ivr import Flow, FlowError, Session
from tests.contact_engine.test_ivr_properties import assert_valid

NAMES = [f"n{i}" for i in range(8)]
PROMPT = {"es": "Hola {account}", "en": "Hello {account}"}
ENDS = [
    {"kind": "queue", "queue": "general", "priority": 3},
    {"kind": "voicemail", "queue": "callbacks", "prompt": PROMPT},
    {"kind": "hangup"},
]
WHEN = [{"known_customer": True}, {"balance": "5"}, {"tier": ["gold", "premier"]}]


def node_strategy(primary: str, names: list[str], last: bool) -> st.SearchStrategy[dict[str, Any]]:
    """A node whose first way out is ``primary`` (so the chain of nodes is reachable) and
    whose other ways out go anywhere among ``names``; only the last may end the call."""
    target = st.sampled_from(names)
    keys = st.sampled_from(list("0123456789*"))
    menu = st.fixed_dictionaries(
        {
            "kind": st.just("menu"),
            "prompt": st.just(PROMPT),
            "choices": st.dictionaries(keys, target, max_size=3).map(
                lambda more: {"#": primary, **more}
            ),
        },
        optional={"retries": st.integers(1, 3), "on_fail": target},
    )
    collect = st.fixed_dictionaries(
        {
            "kind": st.just("collect"),
            "prompt": st.just(PROMPT),
            "store": st.just("account"),
            "next": st.just(primary),
            "min_digits": st.integers(1, 4),
            "max_digits": st.integers(4, 12),
        },
        optional={
            "check": st.sampled_from(["none", "luhn", "mod11"]),
            "on_fail": target,
            "terminator": st.sampled_from(["#", "*", None]),
        },
    )
    lookup = st.fixed_dictionaries(
        {
            "kind": st.just("lookup"),
            "question": st.just("status"),
            "next": st.just(primary),
            "using": st.just(["account"]),
            "provides": st.just(["balance"]),
        },
        optional={"not_found": target, "failed": target},
    )
    say = st.fixed_dictionaries(
        {"kind": st.just("say"), "prompt": st.just(PROMPT), "next": st.just(primary)}
    )
    rule = st.fixed_dictionaries({"when": st.sampled_from(WHEN), "goto": target})
    branch = st.fixed_dictionaries(
        {
            "kind": st.just("branch"),
            "otherwise": st.just(primary),
            "rules": st.lists(rule, max_size=2),
        }
    )
    kinds = [menu, collect, lookup, say, branch]
    return st.one_of(*kinds, st.sampled_from(ENDS)) if last else st.one_of(*kinds)


@st.composite
def flows(draw: st.DrawFn) -> dict[str, Any]:
    count = draw(st.integers(1, len(NAMES)))
    names = NAMES[:count]
    nodes = {}
    for i, name in enumerate(names):
        primary = names[i + 1] if i + 1 < count else draw(st.sampled_from(names))
        nodes[name] = draw(node_strategy(primary, names, i + 1 == count))
    return {"flow": "random", "start": "n0", "facts": ["account", "balance"], "nodes": nodes}


class Moody:
    """A host that answers, finds nothing, or is down, in turn."""

    def __init__(self, mood: int) -> None:
        self.mood = mood

    def answer(self, question: str, variables: Any, facts: Any) -> dict[str, str] | None:
        self.mood += 1
        if self.mood % 3 == 0:
            raise TimeoutError("down")
        return {"balance": "5"} if self.mood % 3 == 1 else None


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    document=flows(),
    facts=st.fixed_dictionaries(
        {}, optional={"known_customer": st.booleans(), "tier": st.sampled_from(["gold", "x"])}
    ),
    presses=st.lists(
        st.one_of(st.none(), st.text(alphabet="0123456789*#", max_size=14)), max_size=25
    ),
    mood=st.integers(0, 2),
)
def test_a_random_flow_is_refused_cleanly_or_walks_validly(document, facts, presses, mood):
    try:
        flow = Flow.from_yaml(yaml.safe_dump(document, allow_unicode=True))
    except FlowError as error:
        assert error.problems and all(str(p) for p in error.problems)
        assert all("loop" in p.message for p in error.problems)  # the only way to go wrong
        event("refused: a loop without input")
        return
    event("valid")
    session, step = Session.start(flow, facts, Moody(mood))
    assert_valid(flow, step)
    for pressed in presses:
        if step.terminal:
            break
        session = Session.from_dict(flow, json.loads(json.dumps(session.to_dict())), Moody(mood))
        step = session.timeout() if pressed is None else session.input(pressed)
        assert_valid(flow, step)


junk = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=6),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(
    top=st.dictionaries(
        st.sampled_from(["flow", "start", "nodes", "languages", "messages", "facts", "version"]),
        junk,
        max_size=6,
    ),
    node=st.dictionaries(
        st.sampled_from(
            [
                "prompt",
                "choices",
                "next",
                "store",
                "rules",
                "queue",
                "min_digits",
                "using",
                "provides",
                "when",
                "otherwise",
                "priority",
            ]
        ),
        junk,
        max_size=6,
    ),
    kind=st.sampled_from(["menu", "collect", "lookup", "say", "branch", "queue", "voicemail", "x"]),
)
def test_junk_is_refused_with_a_flow_error_only(top, node, kind):
    document = {"flow": "junk", "start": "a", **top}
    if "nodes" not in top:
        document["nodes"] = {"a": {**node, "kind": kind}}
    with contextlib.suppress(FlowError):
        Flow.from_yaml(yaml.safe_dump(document, allow_unicode=True))
