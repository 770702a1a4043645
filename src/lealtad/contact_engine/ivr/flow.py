"""A flow: named nodes the caller moves through, read from YAML (one file per flow)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lealtad.contact_engine.ivr.loader import parse_flow
from lealtad.contact_engine.ivr.nodes import Node, PromptText


@dataclass(frozen=True)
class Flow:
    """A validated flow. Build one with :meth:`from_yaml` (or :func:`.loader.load_flow`)."""

    name: str
    version: int
    start: str
    languages: tuple[str, ...]
    default_language: str
    nodes: Mapping[str, Node]
    messages: Mapping[str, PromptText]
    facts: tuple[str, ...] = ()

    @classmethod
    def from_yaml(cls, text: str) -> Flow:
        """Read and validate a flow; a :class:`.FlowError` lists every mistake found."""
        return cls(**parse_flow(text))

    def node(self, name: str) -> Node:
        return self.nodes[name]
