"""Normalizing what people type into keys that match: phones, emails, national ids, names.

Plain Python, no Django: the matcher, the importer and the demo generator share it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from email_validator import EmailNotValidError, validate_email


class InvalidValue(ValueError):
    """A value that cannot be normalized; the message says why, in words a user understands."""


@dataclass(frozen=True)
class NormalizedPhone:
    e164: str
    is_mobile: bool


_MOBILE_TYPES = {
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
}


@lru_cache(maxsize=65536)
def phone(raw: str, region: str = "EC") -> NormalizedPhone:
    """E.164 for what a person typed: ``099 375 7370`` in Ecuador is ``+593993757370``."""
    text = raw.strip()
    if not text:
        raise InvalidValue("empty phone number")
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidValue(f"not a phone number: {raw!r}") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidValue(f"not a valid phone number for {region}: {raw!r}")
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return NormalizedPhone(e164, phonenumbers.number_type(parsed) in _MOBILE_TYPES)


@lru_cache(maxsize=65536)
def email(raw: str) -> str:
    """Validated address with the domain in lower case (the local part is kept as typed)."""
    try:
        result = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidValue(f"not a valid email address: {raw!r} ({exc})") from exc
    local, _, domain = result.normalized.rpartition("@")
    return f"{local.lower()}@{domain.lower()}"


def fold(text: str) -> str:
    """Lower case without accents or extra spaces: the key for accent-insensitive search."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().split())


def card(raw: str) -> str:
    value = re.sub(r"[\s-]", "", raw)
    if not value.isalnum():
        raise InvalidValue(f"a card number holds letters and digits only: {raw!r}")
    return value.upper()


def external_id(raw: str) -> str:
    value = raw.strip()
    if not value:
        raise InvalidValue("empty external id")
    return value


# National identifiers -------------------------------------------------------------------------


@dataclass(frozen=True)
class NationalId:
    value: str
    type: str
    valid: bool


def _cedula_check_ok(digits: str) -> bool:
    """Ecuador's modulo-10 check (coefficients 2,1,2,…; a product over 9 loses 9)."""
    total = 0
    for i, ch in enumerate(digits[:9]):
        product = int(ch) * (2 if i % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return (10 - total % 10) % 10 == int(digits[9])


def cedula_ec_valid(value: str) -> bool:
    if not re.fullmatch(r"\d{10}", value):
        return False
    province = int(value[:2])
    if not (1 <= province <= 24 or province == 30) or int(value[2]) >= 6:
        return False
    return _cedula_check_ok(value)


def ruc_ec_valid(value: str) -> bool:
    """A natural person's RUC is the cédula plus 001; companies' RUCs use other checks."""
    if not re.fullmatch(r"\d{13}", value) or value[10:] == "000":
        return False
    if int(value[2]) < 6:
        return cedula_ec_valid(value[:10])
    return 1 <= int(value[:2]) <= 24 or int(value[:2]) == 30


_CURP = re.compile(r"[A-Z]{4}\d{6}[HMX][A-Z]{5}[A-Z0-9]\d")
_CURP_ALPHABET = "0123456789ABCDEFGHIJKLMNÑOPQRSTUVWXYZ"


def curp_valid(value: str) -> bool:
    if not _CURP.fullmatch(value):
        return False
    total = sum(_CURP_ALPHABET.index(c) * (18 - i) for i, c in enumerate(value[:17]))
    return (10 - total % 10) % 10 == int(value[17])


def national_id(raw: str, id_type: str = "") -> NationalId:
    """Kept as entered (without separators) even when its check digit fails, but flagged."""
    value = re.sub(r"[\s.\-]", "", raw).upper()
    if not value:
        raise InvalidValue("empty national id")
    if not value.isalnum():
        raise InvalidValue(f"a national id holds letters and digits only: {raw!r}")
    kind = id_type or _guess_type(value)
    checks = {
        "cedula_ec": cedula_ec_valid,
        "ruc_ec": ruc_ec_valid,
        "dni_pe": lambda v: bool(re.fullmatch(r"\d{8}", v)),
        "ruc_pe": lambda v: bool(re.fullmatch(r"(10|15|17|20)\d{9}", v)),
        "curp_mx": curp_valid,
        "rfc_mx": lambda v: bool(re.fullmatch(r"[A-ZÑ&]{3,4}\d{6}[A-Z0-9]{3}", v)),
    }
    check = checks.get(kind)
    return NationalId(value, kind, check(value) if check else True)


def _guess_type(value: str) -> str:
    if value.isdigit():
        return {10: "cedula_ec", 13: "ruc_ec", 8: "dni_pe", 11: "ruc_pe"}.get(len(value), "other")
    if len(value) == 18:
        return "curp_mx"
    if len(value) in (12, 13):
        return "rfc_mx"
    return "other"


def cedula_check_digit(first_nine: str) -> str:
    """The check digit that completes a cédula (for demo data and tests)."""
    total = 0
    for i, ch in enumerate(first_nine):
        product = int(ch) * (2 if i % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return str((10 - total % 10) % 10)
