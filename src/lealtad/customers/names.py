"""Splitting a Spanish full name into given names and the two family names.

"Rodrigo Juárez Ortega" → ("Rodrigo", "Juárez", "Ortega"); "María José de la Cruz" keeps the
particle with its surname. Plain Python: shared by ingestion, import and matching.
"""

from __future__ import annotations

import unicodedata

PARTICLES = {"de", "del", "la", "las", "los", "y", "da", "van", "von", "san"}

# Given names that often come second ("María José", "Juan Carlos"): with three words, a second
# word from this list is a given name, not a surname. Compared without accents or case.
SECOND_GIVEN_NAMES = {
    "jose",
    "maria",
    "carlos",
    "luis",
    "antonio",
    "manuel",
    "fernando",
    "fernanda",
    "andres",
    "alejandro",
    "alejandra",
    "francisco",
    "javier",
    "miguel",
    "angel",
    "isabel",
    "elena",
    "pablo",
    "daniel",
    "david",
    "sofia",
    "paula",
    "belen",
    "gabriela",
    "cristina",
    "eduardo",
    "alberto",
    "rosa",
    "carmen",
    "teresa",
    "patricia",
    "augusto",
    "esteban",
    "ignacio",
    "jesus",
    "del carmen",
    "de los angeles",
    "lucia",
    "victoria",
    "eugenia",
    "dolores",
}
ABBREVIATED_GIVEN = {"ma", "ma.", "ma.jose", "jc", "j.", "m."}


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
        if _is_given(words[0], words[1]):
            return f"{words[0]} {words[1]}", words[2], ""
        return words[0], words[1], words[2]
    return " ".join(words[:-2]), words[-2], words[-1]


def display_name(given: str, first: str, second: str, organization: str = "") -> str:
    return organization or " ".join(p for p in (given, first, second) if p)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _is_given(first: str, second: str) -> bool:
    """Whether ``first second`` reads as two given names ("Ma. José", "Juan Carlos")."""
    return _fold(first) in ABBREVIATED_GIVEN or (
        _fold(second) in SECOND_GIVEN_NAMES and _fold(first) in SECOND_GIVEN_NAMES | {"juan"}
    )
