"""A broken flow is refused whole, every mistake named by its node and field."""

from __future__ import annotations

import textwrap

import pytest

from lealtad.contact_engine.ivr import Flow, FlowError, Problem

GOOD = """
flow: demo
languages: [es, en]
start: menu
nodes:
  menu:
    kind: menu
    prompt: {es: "Marque 1", en: "Press 1"}
    choices:
      1: account
      0: agents
  account:
    kind: collect
    prompt: {es: "Su cuenta", en: "Your account"}
    store: account_number
    min_digits: 4
    max_digits: 8
    next: status
  status:
    kind: lookup
    question: account_status
    using: [account_number]
    provides: [balance]
    next: say_balance
  say_balance:
    kind: say
    prompt: {es: "Saldo {balance}", en: "Balance {balance}"}
    next: menu
  agents:
    kind: queue
    queue: general
"""


def problems(text: str) -> list[Problem]:
    with pytest.raises(FlowError) as caught:
        Flow.from_yaml(textwrap.dedent(text))
    return caught.value.problems


def where(text: str) -> list[tuple[str | None, str | None]]:
    try:
        Flow.from_yaml(textwrap.dedent(text))
    except FlowError as error:
        return [(p.node, p.field) for p in error.problems]
    return []


def test_the_good_flow_loads():
    flow = Flow.from_yaml(GOOD)
    assert list(flow.nodes) == ["menu", "account", "status", "say_balance", "agents"]
    assert flow.languages == ("es", "en") and flow.version == 1


def test_an_unknown_target_names_the_node_and_the_choice():
    found = problems(GOOD.replace("0: agents", "0: agentes"))
    assert [(p.node, p.field) for p in found] == [("menu", "choices.0")]
    assert "unknown node 'agentes'" in found[0].message
    with pytest.raises(FlowError, match=r"flow demo: node menu, field choices.0: unknown node"):
        Flow.from_yaml(GOOD.replace("0: agents", "0: agentes"))


def test_an_unknown_start_and_next():
    assert where(GOOD.replace("start: menu", "start: menú")) == [(None, "start")]
    assert where(GOOD.replace("next: status", "next: estado")) == [("account", "next")]


def test_a_missing_prompt_and_a_missing_language():
    text = GOOD.replace('    prompt: {es: "Su cuenta", en: "Your account"}\n', "")
    assert where(text) == [("account", "prompt")]
    found = problems(GOOD.replace('{es: "Marque 1", en: "Press 1"}', '{es: "Marque 1"}'))
    assert [(p.node, p.field, p.message) for p in found] == [
        ("menu", "prompt.en", "missing prompt")
    ]
    found = problems(GOOD.replace('{es: "Marque 1", en: "Press 1"}', '{es: "Marque 1", en: " "}'))
    assert [(p.node, p.field) for p in found] == [("menu", "prompt.en")]


def test_a_prompt_in_a_language_the_flow_does_not_speak():
    text = GOOD.replace('{es: "Marque 1", en: "Press 1"}', '{es: "1", en: "1", pt: "1"}')
    assert where(text) == [("menu", "prompt.pt")]


def test_a_key_used_twice_in_a_menu_even_written_two_ways():
    found = problems(GOOD.replace("      0: agents", '      0: agents\n      "1": agents'))
    assert [(p.node, p.field) for p in found] == [("menu", "choices.1")]
    assert found[0].message == "key 1 is used twice"
    assert found[0].line == 12  # GOOD starts with a blank line


def test_a_node_name_used_twice():
    text = GOOD + "  agents:\n    kind: hangup\n"
    assert ("agents", None) in where(text)


def test_a_menu_key_that_is_not_a_phone_key():
    assert where(GOOD.replace("0: agents", "10: agents")) == [("menu", "choices.10")]
    assert where(GOOD.replace("0: agents", "a: agents")) == [("menu", "choices.a")]


def test_a_loop_that_never_waits_for_the_caller():
    text = GOOD.replace("next: menu", "next: status")
    found = problems(text)
    assert len(found) == 1
    assert found[0].message == (
        "these nodes loop without waiting for the caller: status -> say_balance -> status"
    )


def test_a_loop_through_a_menu_is_fine():
    assert Flow.from_yaml(GOOD).nodes["say_balance"].targets() == [("next", "menu")]


def test_a_node_no_path_reaches():
    text = GOOD + "  orphan:\n    kind: hangup\n"
    found = problems(text)
    assert [(p.node, p.message) for p in found] == [
        ("orphan", "no path from the start reaches this node")
    ]


def test_a_placeholder_nobody_fills():
    text = GOOD.replace('"Saldo {balance}"', '"Saldo {balanse}"')
    found = problems(text)
    assert [(p.node, p.field) for p in found] == [("say_balance", "prompt.es")]
    assert "'balanse' is not a fact nor set by any node" in found[0].message


def test_a_broken_placeholder():
    assert where(GOOD.replace('"Saldo {balance}"', '"Saldo {balance"')) == [
        ("say_balance", "prompt.es")
    ]


def test_a_lookup_using_a_variable_nobody_collects():
    assert where(GOOD.replace("using: [account_number]", "using: [acount]")) == [
        ("status", "using.0")
    ]


def test_a_branch_on_an_undeclared_fact_and_a_declared_one():
    text = GOOD.replace("start: menu", "start: entry") + textwrap.indent(
        textwrap.dedent("""
            entry:
              kind: branch
              rules:
                - when: {vip: true}
                  goto: agents
              otherwise: menu
        """),
        "  ",
    )
    assert where(text) == [("entry", "rules.0.when.vip")]
    assert Flow.from_yaml(text.replace("flow: demo\n", "flow: demo\nfacts: [vip]\n"))
    assert where(text.replace("{vip: true}", "{tier: premier}")) == []  # a standard fact


def test_bad_collect_settings():
    text = GOOD.replace("min_digits: 4\n    max_digits: 8", "min_digits: 9\n    max_digits: 8")
    assert where(text) == [("account", "max_digits")]
    assert where(GOOD.replace("max_digits: 8", "max_digits: 8\n    check: crc")) == [
        ("account", "check")
    ]
    assert where(GOOD.replace("max_digits: 8", "max_digits: 8\n    check: cedula_ec")) == [
        ("account", "check")
    ]
    assert where(GOOD.replace("max_digits: 8", "max_digits: 8\n    terminator: '5'")) == [
        ("account", "terminator")
    ]
    assert where(GOOD.replace("store: account_number", "store: 2cuenta")) == [("account", "store")]


def test_unknown_fields_and_kinds():
    assert where(GOOD.replace("    queue: general", "    queue: general\n    prio: 3")) == [
        ("agents", "prio")
    ]
    assert where(GOOD.replace("kind: queue", "kind: transfer")) == [("agents", "kind")]
    assert where(GOOD.replace("flow: demo", "flow: demo\nstrat: menu")) == [(None, "strat")]


def test_bad_numbers():
    assert where(GOOD.replace("queue: general", "queue: general\n    priority: 12")) == [
        ("agents", "priority")
    ]
    assert where(GOOD.replace("0: agents", "0: agents\n    retries: 0")) == [("menu", "retries")]
    assert where(GOOD.replace("0: agents", "0: agents\n    timeout: -1")) == [("menu", "timeout")]
    assert where(GOOD.replace("flow: demo", "flow: demo\nversion: 0")) == [(None, "version")]


def test_every_mistake_is_listed_at_once():
    text = GOOD.replace("0: agents", "0: agentes").replace("next: status", "next: estado")
    found = where(text)
    assert found == [("menu", "choices.0"), ("account", "next")]
    with pytest.raises(FlowError, match="2 problems"):
        Flow.from_yaml(text)


def test_not_yaml_or_not_a_flow():
    found = problems("flow: demo\nnodes: [unclosed")
    assert found[0].message.startswith("not valid YAML") and found[0].line is not None
    assert problems("- a list")[0].message.startswith("a flow is a mapping")
    assert where("flow: demo\nstart: x\n") == [(None, "nodes")]
    assert (None, "flow") in where(GOOD.replace("flow: demo", "flow: 'two words'"))


def test_languages_and_menu_language_choice():
    assert where(
        GOOD.replace("languages: [es, en]", "languages: [es, en]\ndefault_language: fr")
    ) == [(None, "default_language")]
    text = GOOD.replace("1: account", "1: {goto: account, language: fr}")
    assert where(text) == [("menu", "choices.1.language")]
    one = (
        GOOD.replace("languages: [es, en]", "languages: [es]")
        .replace('{es: "Marque 1", en: "Press 1"}', '"Marque 1"')
        .replace('{es: "Su cuenta", en: "Your account"}', '"Su cuenta"')
        .replace('{es: "Saldo {balance}", en: "Balance {balance}"}', '"Saldo {balance}"')
    )
    assert Flow.from_yaml(one).nodes["menu"].prompt == {"es": "Marque 1"}  # type: ignore[attr-defined]


def test_messages_in_a_language_with_no_default_must_be_written():
    text = GOOD.replace("languages: [es, en]", "languages: [es, pt]").replace("en: ", "pt: ")
    found = where(text)
    assert found == [
        (None, "messages.invalid.pt"),
        (None, "messages.no_input.pt"),
        (None, "messages.goodbye.pt"),
    ]


def test_a_broken_node_does_not_hide_an_unknown_target_elsewhere():
    text = GOOD.replace("store: account_number", "store: 2cuenta").replace(
        "0: agents", "0: agentes"
    )
    assert where(text) == [("account", "store"), ("menu", "choices.0")]
