"""The text patterns the OpenAPI publishes say exactly what the server does.

``lealtad.core.text_schema`` spells white space and control characters out instead of
writing ``\\s``; these tests prove the lists equal the server's rules over every code point
(pydantic's strip, ``normalize.control_character``), and that a validator reading the
published pattern (jsonschema-rs, as schemathesis and many clients do) accepts the same text
the server accepts.
"""

from __future__ import annotations

import re
from typing import Annotated

import jsonschema_rs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, StringConstraints, TypeAdapter, ValidationError

from lealtad.core import normalize, text_schema
from lealtad.core.text_schema import CleanText, NotBlankCleanText

EVERY_CHARACTER = [chr(cp) for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF]
STRIPPED = TypeAdapter(Annotated[str, StringConstraints(strip_whitespace=True)])


def test_white_space_is_what_pydantic_strips():
    pydantic_strips = {ch for ch in EVERY_CHARACTER if STRIPPED.validate_python(f"a{ch}") == "a"}
    listed = {chr(cp) for a, b in text_schema.WHITE_SPACE_RANGES for cp in range(a, b + 1)}
    assert listed == pydantic_strips
    assert "\x85" in listed  # ECMA's \s leaves it out: the reason the list exists


def test_clean_text_pattern_refuses_exactly_the_control_characters():
    pattern = re.compile(text_schema.CLEAN_TEXT)
    published = jsonschema_rs.validator_for({"type": "string", "pattern": text_schema.CLEAN_TEXT})
    for ch in EVERY_CHARACTER:
        clean = normalize.control_character(ch) is None
        assert (pattern.fullmatch(ch) is not None) == clean, f"U+{ord(ch):04X}"
        assert published.is_valid(ch) == clean, f"U+{ord(ch):04X}"


class _Text(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    free: CleanText = ""
    line: NotBlankCleanText = "x"


_SCHEMA = _Text.model_json_schema()["properties"]
_JUDGES = {name: jsonschema_rs.validator_for(_SCHEMA[name]) for name in ("free", "line")}
_AWKWARD = st.sampled_from(
    ["\x85", "\u3000", "\u2028", "\x1c", "\u202e", "\u200d", "\t", "\xa0", "\U000e0041", " "]
)
TEXT = st.lists(st.one_of(st.characters(codec="utf-8"), _AWKWARD), max_size=6).map("".join)


@pytest.mark.parametrize("name", ["free", "line"])
@given(value=TEXT)
def test_the_server_accepts_what_the_published_schema_allows(name, value):
    try:
        _Text.model_validate({name: value})
        accepted = True
    except ValidationError:
        accepted = False
    assert _JUDGES[name].is_valid(value) == accepted


def test_not_blank_names_the_white_space_the_server_strips():
    judge = jsonschema_rs.validator_for({"type": "string", "pattern": text_schema.NOT_BLANK})
    assert not judge.is_valid("\x85 \u3000")
    assert judge.is_valid(" Q1 ")


def _patterns(node: object) -> list[str]:
    if isinstance(node, dict):
        found = [node["pattern"]] if isinstance(node.get("pattern"), str) else []
        return found + [p for value in node.values() for p in _patterns(value)]
    if isinstance(node, list):
        return [p for value in node for p in _patterns(value)]
    return []


READ_TWO_WAYS = re.compile(r"\\[sSdDwWbB]")
"""Shorthands ECMA-262 (clients, schemathesis) reads as ASCII or its own white space list and
pydantic's Rust regex as Unicode: ``\\d`` takes "٤" in one and not the other, ``\\s`` U+0085."""


def test_no_published_pattern_is_read_differently_by_a_client_and_the_server():
    from lealtad.api import api

    document = api.get_openapi_schema()
    patterns = _patterns(document)
    assert len(patterns) > 20
    unclear = []
    for pattern in patterns:
        bare = re.sub(r"\\[^sSdDwWbB]", "", pattern.replace(r"[\s\S]", ""))  # any character
        outside_classes = re.sub(r"\[[^\]]*\]", "", bare)
        if READ_TWO_WAYS.search(bare) or "." in outside_classes:
            unclear.append(pattern)
    assert unclear == []
