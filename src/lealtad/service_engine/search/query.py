"""Queries for the two full-text engines, written from the same stems.

Stems are ``[0-9a-z]`` only (see ``text``), so nothing a user types can reach either query
language as an operator: a quote, a colon or ``NEAR`` is just dropped or a word.
"""

from __future__ import annotations

from dataclasses import dataclass

from lealtad.service_engine.search.text import STOP_WORDS, stem, words


@dataclass(frozen=True)
class Terms:
    """What a query asks for: stems every match should have, and a typed prefix (the word
    the agent is still typing), which matches any stem it begins."""

    stems: tuple[str, ...]
    prefix: str = ""

    def __bool__(self) -> bool:
        return bool(self.stems or self.prefix)


def terms(text: str, language: str, *, typing: bool = False, limit: int = 24) -> Terms:
    """The query's distinct stems (first ``limit``); with ``typing`` the last, unfinished
    word is also a prefix ("factu" finds "factura")."""
    found = [w for w in words(text) if len(w) > 1]
    prefix = ""
    if typing and found and not text[-1:].isspace():
        prefix = found[-1]
    out: list[str] = []
    for w in found:
        if w in STOP_WORDS:
            continue
        s = stem(w, language)
        if s not in out:
            out.append(s)
    if prefix and (len(prefix) < 3 or prefix in STOP_WORDS):
        prefix = ""
    return Terms(tuple(out[:limit]), prefix)


def fts5_match(query: Terms, *, every: bool) -> str:
    """An FTS5 MATCH expression: all stems (``every``) or any of them."""
    parts = [f'"{s}"' for s in query.stems]
    if query.prefix:
        tail = f'"{query.prefix}"*'
        if parts and every:
            parts[-1] = f"({parts[-1]} OR {tail})"
        else:
            parts.append(tail)
    return (" AND " if every else " OR ").join(parts)


def tsquery(query: Terms, *, every: bool) -> str:
    """The same for PostgreSQL's ``to_tsquery('simple', …)``."""
    parts = list(query.stems)
    if query.prefix:
        tail = f"{query.prefix}:*"
        if parts and every:
            parts[-1] = f"({parts[-1]} | {tail})"
        else:
            parts.append(tail)
    return (" & " if every else " | ").join(parts)
