"""Text rules stated once, for the OpenAPI document and for the server alike.

Why spelled out character by character: JSON Schema's ``\\s``/``\\S`` follow ECMA-262, while
the server strips with pydantic (the Unicode ``White_Space`` list, where U+0085 is white
space and ECMA disagrees) and refuses control characters with :func:`normalize.clean`. A
pattern written with ``\\S`` lets a client, or schemathesis, send ``"\\x85"`` as "not blank"
and be refused. Listing the characters makes the schema, the generator and the server read
the same rule; ``tests/test_text_schema.py`` proves the lists equal the server's.

* :data:`NOT_BLANK`: holds a character pydantic does not strip (``min_length=1`` after the
  strip of ``str_strip_whitespace``).
* :data:`CleanText` / :data:`NotBlankCleanText`: no control or invisible format character
  (``normalize.control_character``: Unicode Cc/Cf but tab, line feed, carriage return and the
  zero-width joiners); the server refuses them, the pattern says so.

The named formats for values only a library can judge (``phone``, ``email``) live here too,
because the event envelope (core) and the customers API both use them.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field, WithJsonSchema
from pydantic.json_schema import JsonDict, JsonValue

from lealtad.core import normalize

WHITE_SPACE_RANGES = (
    (0x09, 0x0D),
    (0x20, 0x20),
    (0x85, 0x85),
    (0xA0, 0xA0),
    (0x1680, 0x1680),
    (0x2000, 0x200A),
    (0x2028, 0x2029),
    (0x202F, 0x202F),
    (0x205F, 0x205F),
    (0x3000, 0x3000),
)
"""Unicode's ``White_Space`` property: what pydantic's ``str_strip_whitespace`` strips."""


def _control_ranges() -> tuple[tuple[int, int], ...]:
    """The code points :func:`normalize.control_character` refuses, as ranges (Cc and Cf live
    in the first two planes and in plane 14's tags)."""
    found = [
        cp
        for cp in (*range(0x20000), *range(0xE0000, 0xE1000))
        if normalize.control_character(chr(cp)) is not None
    ]
    ranges: list[tuple[int, int]] = []
    for cp in found:
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1] = (ranges[-1][0], cp)
        else:
            ranges.append((cp, cp))
    return tuple(ranges)


CONTROL_RANGES = _control_ranges()


def _char(cp: int) -> str:
    # \uXXXX reads the same in ECMA-262, Python and Rust; a character past the BMP is written
    # as itself (ECMA's \u{…} needs the u flag, which JSON Schema does not set).
    return f"\\u{cp:04x}" if cp <= 0xFFFF else chr(cp)


def char_class(ranges: tuple[tuple[int, int], ...]) -> str:
    """The inside of a regex character class matching these code point ranges."""
    return "".join(_char(a) if a == b else f"{_char(a)}-{_char(b)}" for a, b in ranges)


_WHITE = char_class(WHITE_SPACE_RANGES)
_CONTROL = char_class(CONTROL_RANGES)

WHITE_SPACE = _WHITE
"""The inside of a character class of Unicode's white space (for patterns built elsewhere)."""
NOT_BLANK = f"[^{_WHITE}]"
"""Somewhere a character that is not white space (searched, not anchored)."""
THREE_OR_MORE = f"[^{_WHITE}][\\s\\S]+[^{_WHITE}]"
"""Three characters or more from the first to the last that is not white space."""
CLEAN_TEXT = f"^[^{_CONTROL}]*$"
"""No control or invisible format character anywhere."""
NOT_BLANK_CLEAN_TEXT = f"^[^{_CONTROL}]*[^{_CONTROL}{_WHITE}][^{_CONTROL}]*$"
"""Clean text with a character that is not white space."""


def _no_controls(value: object) -> object:
    """Looked for before pydantic strips the text: U+0085 at the end of a line is refused as
    it is in the middle, which is what the pattern says (and no length is counted on a text
    the server has already cut)."""
    return normalize.refuse_controls(value) if isinstance(value, str) else value


CleanText = Annotated[
    str, BeforeValidator(_no_controls), Field(json_schema_extra={"pattern": CLEAN_TEXT})
]
"""Free text a person typed (an address line, a city): control characters are refused."""
NotBlankCleanText = Annotated[
    str,
    BeforeValidator(_no_controls),
    Field(min_length=1, json_schema_extra={"pattern": NOT_BLANK_CLEAN_TEXT}),
]
"""Clean text that must say something once stripped (an address's first line)."""

EMAIL: JsonDict = {
    "format": "email",
    "description": "an e-mail address as the standard `email` format describes it (checked "
    "with email-validator, deliverability not tested)",
    "examples": ["maria.quishpe@example.com"],
}
PHONE_PATTERN = r"^[ +()./-]*[0-9][0-9 +()./-]*$"
"""What the server checks before libphonenumber: these characters only, and a digit."""
PHONE: JsonDict = {
    "format": "phone",
    "description": "a phone number as typed: digits, spaces and + ( ) - . / only, a *possible* "
    "number for its country (local forms read as the installation's region, others with their "
    "+country code). A number in a range not listed as assigned is kept and flagged "
    "(docs/data-quality.md); an impossible one is refused.",
    "examples": ["099 375 7370", "(02) 245-6789", "+57 310 555 1234"],
    "pattern": PHONE_PATTERN,
}
"""The named string formats the OpenAPI uses for values only a library can judge."""

_ALNUM = "0-9A-Za-z\u0660-\u0669\u06f0-\u06f9\uff10-\uff19\uff21-\uff3a\uff41-\uff5a"
_SPACE = " \t\n\r"  # the white space that is no control character (normalize.clean)
CARD_KEY = rf"^(?:[{_SPACE}-]*[{_ALNUM}][{_ALNUM}{_SPACE}-]*)?$"
ID_KEY = rf"^(?:[{_SPACE}.-]*[{_ALNUM}][{_ALNUM}{_SPACE}.-]*)?$"
EXTERNAL_KEY = r"^(?:[ -~À-ɏ]*[!-~À-ɏ][ -~À-ɏ]*)?$"
"""What a card number, a national id and an external id may hold (empty: not given)."""


def optional_named(form: JsonDict, longest: int, *, nullable: bool = True) -> WithJsonSchema:
    """An optional key published with its named format or pattern: empty means not given."""
    given: JsonDict = {"type": "string", "maxLength": longest, **form}
    empty: list[JsonValue] = [{"type": "string", "maxLength": 0}]
    if nullable:
        empty.append({"type": "null"})
    return WithJsonSchema({"anyOf": [given, *empty]})


EXTERNAL_SYSTEM = f"[^{_WHITE}\\u001c-\\u001f]"
"""An external id's system names something once Python's ``str.strip`` is done with it."""
