"""Splitting a Spanish full name into given names and the two family names.

"Rodrigo Juárez Ortega" → ("Rodrigo", "Juárez", "Ortega"); "María José de la Cruz" keeps the
particle with its surname. Plain Python: shared by ingestion, import and matching.
"""

from __future__ import annotations

PARTICLES = {"de", "del", "la", "las", "los", "y", "da", "van", "von", "san"}


def _group_surnames(tokens: list[str]) -> list[str]:
    """Join particles to the word after them: ["de", "la", "Cruz"] → ["de la Cruz"]."""
    groups: list[str] = []
    pending: list[str] = []
    for token in tokens:
        pending.append(token)
        if token.lower() not in PARTICLES:
            groups.append(" ".join(pending))
            pending = []
    if pending:
        groups.append(" ".join(pending))
    return groups


def split_full_name(full: str) -> tuple[str, str, str]:
    words = _group_surnames(full.split())
    if not words:
        return "", "", ""
    if len(words) == 1:
        return words[0], "", ""
    if len(words) == 2:
        return words[0], words[1], ""
    if len(words) == 3:
        return words[0], words[1], words[2]
    return " ".join(words[:-2]), words[-2], words[-1]


def display_name(given: str, first: str, second: str, organization: str = "") -> str:
    return organization or " ".join(p for p in (given, first, second) if p)
