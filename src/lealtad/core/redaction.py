"""Scrubbing one person out of free text and JSON documents, for erasure and retention.

Plain Python, no Django. Each context erases its own tables (DESIGN.md) but they share one
notion of what identifies a person: the values known of them (names, phones, emails, national
id, address lines, external ids) wherever they were copied, and the keys under which channels
carry personal data in events (``name``, ``phone``, ``line1`` …). A :class:`Redactor` replaces
both with :data:`ERASED` and keeps the document's shape, so a subscriber still reading an
erased event finds its ids and types where it expects them.

Examples:
    >>> r = Redactor(["Rodrigo Juárez Ortega", "+593993757370", "1710034065"])
    >>> r.document({"customer": {"name": "RODRIGO JUAREZ"}, "total": "12.50", "id": 4})
    {'customer': {'name': '[erased]'}, 'total': '12.50', 'id': 4}
    >>> r.text("llamó desde el 099 375 7370")
    '[erased]'
    >>> r.text("Consulta de saldo")
    'Consulta de saldo'
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from lealtad.core.normalize import fold

ERASED = "[erased]"

# Keys under which channels and contexts carry personal data in events and JSON columns.
PERSONAL_KEYS = frozenset(
    {
        "name",
        "full_name",
        "given_names",
        "first_surname",
        "second_surname",
        "organization_name",
        "display_name",
        "search_name",
        "phone",
        "phones",
        "mobile",
        "raw",
        "e164",
        "email",
        "emails",
        "address",
        "addresses",
        "line1",
        "line2",
        "postal_code",
        "national_id",
        "card",
        "external_ids",
        "birth_date",
        "health_insurance",
        "summary",
        "subject",
        "notes",
        "note",
        "recipient",
        "raw_value",
    }
)
_MIN_WORD = 4  # shorter name parts ("Ana", "Luz") would match inside unrelated words
_MIN_DIGITS = 7  # shorter digit runs are amounts, dates and counts
_DIGITS = re.compile(r"\d+")


def _digits(text: str) -> str:
    return "".join(_DIGITS.findall(text))


class Redactor:
    """Knows one person's identifying values; replaces whatever carries them.

    A text value matches when its accent- and case-folded form contains a known word or name
    (at least four letters), or its digits contain a known digit run (a phone's national
    number, a national id: at least seven digits), however the channel spaced or punctuated it.
    """

    def __init__(self, values: Iterable[str]) -> None:
        words: set[str] = set()
        runs: set[str] = set()
        for value in values:
            text = (value or "").strip()
            if not text:
                continue
            digits = _digits(text)
            if len(digits) >= _MIN_DIGITS and len(digits) * 2 >= len(text.replace(" ", "")):
                runs.add(digits)
                # A phone is typed with or without its country code and trunk zero.
                runs.update(digits[i:] for i in range(1, 4) if len(digits) - i >= 9)
                continue
            folded = fold(text)
            if len(folded) >= _MIN_WORD:
                words.add(folded)
            words.update(part for part in folded.split() if len(part) >= _MIN_WORD)
        self.words = frozenset(words)
        self.runs = frozenset(runs)

    def __bool__(self) -> bool:
        return bool(self.words or self.runs)

    def matches(self, text: str) -> bool:
        if not text:
            return False
        folded = fold(text)
        if any(word in folded for word in self.words):
            return True
        digits = _digits(text)
        return len(digits) >= _MIN_DIGITS and any(run in digits for run in self.runs)

    def text(self, text: str) -> str:
        """The text, or :data:`ERASED` when it carries a known value."""
        return ERASED if self.matches(text) else text

    def document(self, value: Any, personal: bool = False) -> Any:
        """A JSON document with every personal key's content and every matching text erased."""
        if isinstance(value, dict):
            return {
                k: self.document(v, personal or str(k).lower() in PERSONAL_KEYS)
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [self.document(v, personal) for v in value]
        if isinstance(value, str):
            return ERASED if value and (personal or self.matches(value)) else value
        if personal and isinstance(value, int | float) and not isinstance(value, bool):
            return ERASED if len(_digits(str(value))) >= _MIN_DIGITS else value
        return value

    def changes(self, changes: dict[str, Any]) -> dict[str, Any]:
        """An audit entry's ``{field: [before, after]}``: every text value erased, since the
        entry is about the person; numbers, flags and empty values keep the trail readable."""
        return {key: _erase_texts(value) for key, value in changes.items()}


def _erase_texts(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _erase_texts(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_erase_texts(v) for v in value]
    if isinstance(value, str) and value:
        return ERASED
    return value
