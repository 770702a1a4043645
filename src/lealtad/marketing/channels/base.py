"""What every channel adapter takes and answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from lealtad.marketing.channels.journal import Journal
from lealtad.marketing.channels.rendering import CompiledTemplate


@dataclass
class Outgoing:
    """One message ready to leave: who, where, in which language, with which values."""

    message_id: int
    customer_id: int
    address: str
    language: str
    values: dict[str, str]


@dataclass
class Handover:
    """What became of a chunk: handed over (with the provider's id), refused (with the
    reply), or not tried (the connection failed first; planned again)."""

    handed: dict[int, str] = field(default_factory=dict)
    refused: dict[int, str] = field(default_factory=dict)
    untried: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Send:
    campaign_id: int
    campaign_name: str
    templates: dict[str, CompiledTemplate]  # by language
    journal: Journal


class Adapter(Protocol):
    def hand_over(self, send: Send, items: list[Outgoing]) -> Handover: ...
