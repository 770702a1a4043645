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


PAIRED = 4  # the rarest common stems paired with each other (6 pairs)


@dataclass(frozen=True)
class Shape:
    """What the engine is asked: any of ``groups`` (each: all its stems), or the typed
    prefix; in titles only when the words are so common the bodies would cost too much."""

    groups: tuple[tuple[str, ...], ...]
    prefix: str = ""  # alone, or with ``every`` an alternative to the group's last stem
    titles_only: bool = False
    every: bool = False

    def __bool__(self) -> bool:
        return bool(self.groups or self.prefix)


def shape(
    query: Terms,
    frequencies: dict[str, int],
    total: int,
    *,
    every: bool,
    common_share: float = 0.01,
    floor: int = 1000,
) -> Shape:
    """Bound the engine's work by how many articles each stem is in (``frequencies``).

    The cost of a full-text query is the articles it matches, all of which are ranked. With
    ``every``, all stems together (in titles only if even the rarest is common). Otherwise
    each rare stem alone, and the common ones (in more than ``common_share`` of ``total``)
    only in pairs: an article with two of them is worth ranking, one with "factura" alone
    among 16,000 others is not. Stems no article holds are left out."""
    common = max(floor, int(total * common_share))
    known = sorted((s for s in query.stems if frequencies.get(s)), key=lambda s: frequencies[s])
    if every:
        if not query.stems:
            return Shape((), query.prefix, titles_only=True)
        rarest = min(frequencies.get(s, 0) for s in query.stems)
        return Shape((query.stems,), query.prefix, titles_only=rarest > common, every=True)
    rare = [s for s in known if frequencies[s] <= common][:8]
    frequent = [s for s in known if frequencies[s] > common][:PAIRED]
    groups: list[tuple[str, ...]] = [(s,) for s in rare]
    groups += [(a, b) for i, a in enumerate(frequent) for b in frequent[i + 1 :]]
    if not groups and frequent:
        return Shape(((frequent[0],),), query.prefix, titles_only=True)
    return Shape(tuple(groups), query.prefix if not groups else "")


def fts5_shape(found: Shape) -> str:
    """FTS5 MATCH for a shape: ``("a" AND "b") OR "c" OR "pre"*``, maybe in titles only."""
    groups = [[f'"{s}"' for s in group] for group in found.groups]
    if found.prefix and found.every and groups:
        groups[0][-1] = f'({groups[0][-1]} OR "{found.prefix}"*)'
    elif found.prefix:
        groups.append([f'"{found.prefix}"*'])
    expr = " OR ".join("(" + " AND ".join(g) + ")" for g in groups)
    return f"{{search_title}} : ({expr})" if found.titles_only else expr


def tsquery_shape(found: Shape) -> str:
    """The same for ``to_tsquery('simple', …)``; titles are weight A."""
    label = ":A" if found.titles_only else ""
    groups = [[f"{s}{label}" for s in group] for group in found.groups]
    if found.prefix and found.every and groups:
        groups[0][-1] = f"({groups[0][-1]} | {found.prefix}:*{label.lstrip(':')})"
    elif found.prefix:
        groups.append([f"{found.prefix}:*{label.lstrip(':')}"])
    return " | ".join("(" + " & ".join(g) + ")" for g in groups)
