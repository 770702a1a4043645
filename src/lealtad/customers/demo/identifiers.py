"""National ids, phone numbers and e-mail local parts, unique per customer ordinal.

Uniqueness comes from the ordinal through bijective permutations, so loads into a database
that already holds demo customers do not collide; each country's rules (the cédula's check
digit, the CURP's, Ecuador's mobile and landline plans) are kept so the values validate.
"""

from __future__ import annotations

from functools import cache

from lealtad.core.normalize import cedula_check_digit, fold
from lealtad.core.normalize import phone as parse_phone


@cache
def ascii_word(text: str) -> str:
    """For email local parts: "María de los Ángeles" → "mariadelosangeles"."""
    return "".join(c for c in fold(text) if c.isalnum())


def perm(n: int, space: int, mult: int, add: int) -> int:
    """A bijection of [0, space) (``mult`` coprime with ``space``): unique yet scattered."""
    return (n * mult + add) % space


def cedula_for(ordinal: int, province: int) -> str:
    """A valid cédula, unique per ordinal (up to 6 million) whatever the province."""
    tail = perm(ordinal, 6_000_000, 1_234_567, 2_345_678)  # third digit < 6, six more digits
    nine = f"{province:02d}{tail:07d}"
    return nine + cedula_check_digit(nine)


_CURP_ALPHABET = "0123456789ABCDEFGHIJKLMNÑOPQRSTUVWXYZ"
_CURP_STATES = ("DF", "MC", "JC", "NL", "PL", "VZ", "GT")


def _curp_word(text: str) -> str:
    last = text.split()[-1] if text else "X"
    return "".join(c for c in fold(last).upper() if "A" <= c <= "Z") or "X"


def curp_for(given: str, first: str, second: str, birth: str, female: bool, ordinal: int) -> str:
    """A well-formed CURP with a correct check digit (names → letters, birth date, sex)."""
    g, f, s = _curp_word(given), _curp_word(first), _curp_word(second)
    vowel = next((c for c in f[1:] if c in "AEIOU"), "X")
    cons = [next((c for c in w[1:] if c not in "AEIOU"), "X") for w in (f, s, g)]
    state = _CURP_STATES[ordinal % len(_CURP_STATES)]
    year = int(birth[:4])
    diff = str(ordinal % 10) if year < 2000 else chr(65 + ordinal % 26)
    head = (
        f"{f[0]}{vowel}{s[0]}{g[0]}{birth[2:4]}{birth[5:7]}{birth[8:10]}"
        f"{'M' if female else 'H'}{state}{''.join(cons)}{diff}"
    )
    total = sum(_CURP_ALPHABET.index(c) * (18 - i) for i, c in enumerate(head))
    return head + str((10 - total % 10) % 10)


def validity(e164: str) -> str:
    """As ingest would flag it: a demo number may fall outside the ranges listed as assigned."""
    return parse_phone(e164).validity


def mobile(ordinal: int, country: str) -> tuple[str, str]:
    """(E.164, as typed) — unique per ordinal."""
    if country == "PE":
        n = perm(ordinal, 100_000_000, 48_271_053, 13_579_113)
        digits = f"9{n:08d}"
        return f"+51{digits}", f"{digits[:3]} {digits[3:6]} {digits[6:]}"
    if country == "MX":
        n = perm(ordinal, 100_000_000, 69_069_069, 24_680_246)
        return f"+5255{n:08d}", f"55 {n // 10000:04d} {n % 10000:04d}"
    prefix = "99" if ordinal % 2 == 0 else "98"
    n = perm(ordinal // 2, 10_000_000, 3_980_621, 1_111_117)
    style = ordinal % 3
    if style == 0:
        typed = f"0{prefix}{n:07d}"
    elif style == 1:
        typed = f"0{prefix} {n // 10000:03d} {n % 10000:04d}"
    else:
        typed = f"+593 {prefix} {n // 10000:03d} {n % 10000:04d}"
    return f"+593{prefix}{n:07d}", typed


def landline(key: int, area: str, second: str) -> tuple[str, str]:
    n = perm(key, 1_000_000, 700_001, 12_345)
    return f"+593{area}{second}{n:06d}", f"0{area} {second}{n // 10000:02d} {n % 10000:04d}"
