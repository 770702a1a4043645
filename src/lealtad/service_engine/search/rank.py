"""Ranking the database's candidates the same way on both databases, with reasons.

Each engine finds candidates its own way (FTS5's bm25, PostgreSQL's ts_rank); the order a
person sees is computed here, by BM25 over the stems with the title counting more than the
body, so SQLite and PostgreSQL show the same articles in the same order. The matched words
(as the customer wrote them) are the suggestion's reason.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from lealtad.service_engine.search.text import STOP_WORDS, fold, stem

K1 = 1.2
B = 0.75
TITLE_WEIGHT = 3.0
AVERAGE_LENGTH = 80.0  # stems in an article body; the usual length of ours
_RAW = re.compile(r"\w+")


@dataclass(frozen=True)
class Candidate:
    """An article version the database matched: its stems, as the index holds them."""

    key: int
    title: str  # stems, space separated
    body: str
    boost: float = 0.0  # e.g. the case's own category, decided by the caller


@dataclass(frozen=True)
class Suggestion:
    key: int
    score: float
    matched: tuple[str, ...] = field(default=())  # stems that matched, best first


def idf(documents: int, total: int) -> float:
    """BM25's inverse document frequency, never negative (a word in every article is 0)."""
    return math.log(1.0 + (total - documents + 0.5) / (documents + 0.5))


def _field_score(tf: int, length: int, weight: float) -> float:
    if not tf:
        return 0.0
    norm = K1 * (1 - B + B * length / AVERAGE_LENGTH)
    return weight * tf * (K1 + 1) / (tf + norm)


def score_candidates(
    query: Sequence[str],
    candidates: Iterable[Candidate],
    frequencies: Mapping[str, int],
    total: int,
    *,
    prefix: str = "",
    limit: int = 10,
) -> list[Suggestion]:
    """The best ``limit`` candidates for the query's stems (repeats in the query weigh more:
    a customer who says "factura" three times is talking about the bill).

    ``frequencies`` is how many articles hold each stem and ``total`` how many there are.
    A ``prefix`` (the word being typed) matches the stems it begins, at half weight.
    """
    wanted = Counter(query)
    total = max(total, 1)
    weights = {s: n * idf(frequencies.get(s, 0), total) for s, n in wanted.items()}
    out: list[Suggestion] = []
    for cand in candidates:
        title, body = Counter(cand.title.split()), Counter(cand.body.split())
        title_len, body_len = sum(title.values()), sum(body.values())
        parts: dict[str, float] = {}
        for s, w in weights.items():
            got = _field_score(title[s], title_len * 8, TITLE_WEIGHT)
            got += _field_score(body[s], body_len, 1.0)
            if got:
                parts[s] = w * got
        if prefix:
            hits = [s for s in set(title) | set(body) if s.startswith(prefix) and s not in parts]
            for s in hits[:3]:
                parts[s] = (
                    0.5
                    * idf(frequencies.get(s, 0), total)
                    * (
                        _field_score(title[s], title_len * 8, TITLE_WEIGHT)
                        + _field_score(body[s], body_len, 1.0)
                    )
                )
        if not parts:
            continue
        matched = tuple(sorted(parts, key=lambda s: (-parts[s], s)))
        out.append(Suggestion(cand.key, sum(parts.values()) + cand.boost, matched))
    out.sort(key=lambda s: (-s.score, s.key))
    return out[:limit]


def reasons(matched: Sequence[str], text: str, language: str) -> list[str]:
    """The words of ``text`` (as written) whose stems matched: what the agent reads."""
    shown: dict[str, str] = {}
    for raw in _RAW.findall(text):
        folded = fold(raw)
        if folded in STOP_WORDS:
            continue
        s = stem(folded, language)
        if s in matched and s not in shown:
            shown[s] = raw.lower()
    return [shown[s] for s in matched if s in shown]


def highlight(
    text: str, matched: Iterable[str], language: str, prefix: str = ""
) -> list[tuple[str, bool]]:
    """``text`` cut into pieces, each marked if it is a word that matched (for <mark>)."""
    wanted = set(matched)
    pieces: list[tuple[str, bool]] = []
    at = 0
    for m in _RAW.finditer(text):
        folded = fold(m.group())
        hit = folded not in STOP_WORDS and (
            stem(folded, language) in wanted or bool(prefix and folded.startswith(prefix))
        )
        if hit:
            if m.start() > at:
                pieces.append((text[at : m.start()], False))
            pieces.append((m.group(), True))
            at = m.end()
    if at < len(text):
        pieces.append((text[at:], False))
    return pieces
