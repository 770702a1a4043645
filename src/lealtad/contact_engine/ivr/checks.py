"""Check digits a caller keys in, so a mistyped number is caught before a lookup or a queue.

A caller who mistypes an account number should hear "that number is not valid" at once,
not wait in line for an agent who finds no such account. The checks are the ones Latin
American banks and telecoms print on cards and ids: Luhn (cards, many account numbers), the
modulo-11 check (many bank accounts, RUTs), and the Ecuadorian cédula (modulo 10 with a
province prefix).
"""

from __future__ import annotations

from collections.abc import Callable


def luhn(digits: str) -> bool:
    """The Luhn check used on payment cards and many account numbers."""
    if len(digits) < 2 or not _plain(digits):
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def mod11(digits: str) -> bool:
    """Weights 2..7 from the right; check digit 11 - sum mod 11 (11 counts as 0; 10 has no
    digit, so such numbers are never issued)."""
    if len(digits) < 2 or not _plain(digits):
        return False
    body, check = digits[:-1], int(digits[-1])
    total = sum(int(c) * (2 + i % 6) for i, c in enumerate(reversed(body)))
    expected = 11 - total % 11
    if expected == 11:
        expected = 0
    return expected == check


def cedula_ec(digits: str) -> bool:
    """An Ecuadorian cédula: ten digits, province 01-24 (or 30 for those registered abroad),
    third digit below 6, and the modulo-10 check over coefficients 2,1,2,1,…"""
    if len(digits) != 10 or not _plain(digits):
        return False
    province = int(digits[:2])
    if not (1 <= province <= 24 or province == 30) or int(digits[2]) >= 6:
        return False
    total = 0
    for i, char in enumerate(digits[:9]):
        value = int(char) * (2 if i % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return (10 - total % 10) % 10 == int(digits[9])


def any_digits(digits: str) -> bool:
    return _plain(digits)


def _plain(digits: str) -> bool:
    """ASCII digits only: str.isdigit() also accepts '²' and Arabic-Indic digits."""
    return digits.isascii() and digits.isdigit()


CHECKS: dict[str, Callable[[str], bool]] = {
    "none": any_digits,
    "luhn": luhn,
    "mod11": mod11,
    "cedula_ec": cedula_ec,
}
