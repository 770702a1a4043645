"""Normalizing what people type into keys that match: phones, emails, national ids, names.

Plain Python, no Django: the matcher, the importer and the demo generator share it.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import phonenumbers
from email_validator import EmailNotValidError, validate_email


class InvalidValue(ValueError):
    """A value that cannot be normalized; the message says why, in words a user understands."""


# Text: one shape for every identifier and name, whatever keyboard, form or OCR produced it ------

_KEPT_FORMAT = frozenset("\u200c\u200d")  # joiners inside emoji and some scripts' words
_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def control_character(text: str) -> str | None:
    """The first control or invisible format character (Unicode Cc/Cf) in ``text``, if any.

    Tab, line feed and carriage return are ordinary whitespace and allowed; so are the zero
    width joiners that emoji sequences need. A bidi override or NUL in a name is not data.
    """
    found = (_ASCII_CONTROL if text.isascii() else _control_pattern()).search(text)
    return found[0] if found else None


@lru_cache(maxsize=1)
def _control_pattern() -> re.Pattern[str]:
    """Every Cc/Cf character of this Python's Unicode tables as one character class: a
    regular expression scans a name 20 times faster than a category lookup per character.
    Built on first use (a pass over the code points, about 80 ms)."""
    refused = [
        ch
        for ch in map(chr, range(sys.maxunicode + 1))
        if unicodedata.category(ch) in ("Cc", "Cf")
        and ch not in _KEPT_FORMAT
        and ch not in "\t\n\r"
    ]
    return re.compile("[" + "".join(re.escape(ch) for ch in refused) + "]")


def refuse_controls(text: str) -> str:
    found = control_character(text)
    if found is not None:
        raise InvalidValue(f"holds the control character U+{ord(found):04X}")
    return text


def control_in(value: Any, path: str = "") -> tuple[str, str] | None:
    """Where in a JSON value (dotted path) the first control character is, and which one."""
    if isinstance(value, str):
        found = control_character(value)
        return (path, found) if found is not None else None
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        where = f"{path}.{key}" if path else str(key)
        hit = control_in(key, where) if isinstance(key, str) else None
        hit = hit or control_in(item, where)
        if hit is not None:
            return hit
    return None


def ascii_digits(text: str) -> str:
    """Every Unicode decimal digit (category Nd: Arabic-Indic, Persian, Devanagari…) as ASCII.

    NFKC maps fullwidth digits (U+FF10…) but leaves Arabic-Indic ones (U+0660…) alone.
    """
    if text.isascii():
        return text
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in text)


def clean(text: str) -> str:
    """NFKC, ASCII digits, no control characters: every identifier and name passes here first,
    so ``099…`` typed in fullwidth or Arabic-Indic digits names the same customer."""
    refuse_controls(text)
    if text.isascii():
        return text
    return ascii_digits(unicodedata.normalize("NFKC", text))


def name(raw: str) -> str:
    """A person's or company's name as written, in one Unicode form, spaces collapsed."""
    return " ".join(clean(raw).split())


# Phones ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NormalizedPhone:
    """``valid`` is libphonenumber's list of *assigned* ranges, which lags what carriers hand
    out: it flags a number for review, it never refuses one (see docs/data-quality.md)."""

    e164: str
    is_mobile: bool
    valid: bool = True

    @property
    def validity(self) -> Literal["valid", "unassigned_range"]:
        return "valid" if self.valid else "unassigned_range"


_MOBILE_TYPES = {
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
}
_UNKNOWN = phonenumbers.PhoneNumberType.UNKNOWN
_PHONE_TEXT = re.compile(r"[\d\s+().\-/]+")
_IMPOSSIBLE = {
    phonenumbers.ValidationResult.INVALID_COUNTRY_CODE: "no country has this calling code",
    phonenumbers.ValidationResult.TOO_SHORT: "too short",
    phonenumbers.ValidationResult.TOO_LONG: "too long",
    phonenumbers.ValidationResult.INVALID_LENGTH: "has a length no number of its country has",
    phonenumbers.ValidationResult.IS_POSSIBLE_LOCAL_ONLY: "lacks its area code",
}


_PHONES: dict[tuple[str, str], NormalizedPhone] = {}
_PHONES_KEPT = 65536


def phone(raw: str, region: str = "EC") -> NormalizedPhone:
    """E.164 for what a person typed: ``099 375 7370`` in Ecuador is ``+593993757370``.

    The gate is whether the number is *possible* for its country (digits and length); only
    letters or a wrong length are refused. A possible number outside the ranges known as
    assigned is accepted with ``valid=False``.

    Parsing is most of the cost of a new customer's validation, and one event names a number
    up to three times (the envelope's key as typed, the payload's phone in national form, the
    key again as E.164 when its range is checked): each answer is kept under what was typed
    and under its own E.164, which reads the same.
    """
    found = _PHONES.get((raw, region))
    if found is None:
        found = _parsed_phone(raw, region)
        if len(_PHONES) >= _PHONES_KEPT:
            _PHONES.clear()
        _PHONES[(raw, region)] = _PHONES[(found.e164, region)] = found
    return found


def _parsed_phone(raw: str, region: str) -> NormalizedPhone:
    text = clean(raw).strip()
    if not text:
        raise InvalidValue("empty phone number")
    if not _PHONE_TEXT.fullmatch(text):
        raise InvalidValue(f"a phone number holds digits, spaces and + ( ) - . / only: {raw!r}")
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidValue(f"not a phone number: {raw!r}") from exc
    # ``number_type`` is UNKNOWN exactly when ``is_valid_number`` is false: one lookup of the
    # number's ranges instead of three (it is most of the cost of a new number).
    line = phonenumbers.number_type(parsed)
    if line == _UNKNOWN:
        parsed = _as_dialled_today(parsed) or parsed
        line = phonenumbers.number_type(parsed)
    reason = phonenumbers.is_possible_number_with_reason(parsed)
    if reason != phonenumbers.ValidationResult.IS_POSSIBLE:
        why = _IMPOSSIBLE.get(reason, "not possible")
        raise InvalidValue(f"not a possible phone number for {region} ({why}): {raw!r}")
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if line != _UNKNOWN:
        return NormalizedPhone(e164, line in _MOBILE_TYPES)
    return NormalizedPhone(e164, _shaped_like_a_mobile(parsed), valid=False)


def _as_dialled_today(parsed: phonenumbers.PhoneNumber) -> phonenumbers.PhoneNumber | None:
    """Numbers people still type the way they were dialled before a national plan changed:
    Mexico dropped ``044``/``045``/``01`` and the mobile ``1`` after +52 in 2019; Colombia put
    ``60`` before its one-digit area codes in 2021 (``(1) 234 5678`` is ``601 234 5678``)."""
    national = phonenumbers.national_significant_number(parsed)
    if parsed.country_code == 52:
        cut = next((len(old) for old in ("044", "045", "01", "1") if national.startswith(old)), 0)
        modern = national[cut:] if cut and len(national) == 10 + cut else ""
    elif parsed.country_code == 57 and len(national) == 8 and national[0] in "1245678":
        modern = "60" + national
    else:
        return None
    if not modern:
        return None
    candidate = phonenumbers.parse(f"+{parsed.country_code}{modern}")
    return candidate if phonenumbers.is_possible_number(candidate) else None


def _shaped_like_a_mobile(parsed: phonenumbers.PhoneNumber) -> bool:
    """For a number in a range not yet listed: does it have the length and leading digit of
    its country's mobiles (Ecuador ``9X XXX XXXX``, Colombia ``3XX``, Peru ``9XX``)? Such a
    number identifies one person, as a listed mobile does."""
    country = phonenumbers.region_code_for_country_code(parsed.country_code or 0)
    sample = _mobile_sample(country)
    national = phonenumbers.national_significant_number(parsed)
    return bool(sample) and len(national) == len(sample) and national[0] == sample[0]


@lru_cache(maxsize=256)
def _mobile_sample(country: str) -> str:
    example = phonenumbers.example_number_for_type(country, phonenumbers.PhoneNumberType.MOBILE)
    return phonenumbers.national_significant_number(example) if example else ""


# RFC 5322's dot-atom: the local part nearly every address has, which needs no further check.
_DOT_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")


@lru_cache(maxsize=65536)
def email(raw: str) -> str:
    """Validated address with the domain in lower case (the local part is kept as typed).

    An address whose local part is a plain dot-atom needs only its domain checked, and a
    batch's addresses share a few domains: the domain's verdict is kept, so the full
    validator (a quarter of a millisecond an address) runs once per domain, not per customer.
    """
    text = clean(raw).strip()
    local, at, domain = text.rpartition("@")
    if at and len(text) <= 254 and len(local) <= 64 and _DOT_ATOM.fullmatch(local):
        try:
            return f"{local.lower()}@{_email_domain(domain)}"
        except EmailNotValidError as exc:
            raise InvalidValue(f"not a valid email address: {raw!r} ({exc})") from exc
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidValue(f"not a valid email address: {raw!r} ({exc})") from exc
    local, _, domain = result.normalized.rpartition("@")
    return f"{local.lower()}@{domain.lower()}"


@lru_cache(maxsize=4096)
def _email_domain(domain: str) -> str:
    """The domain as the validator checks it in an address (syntax, special-use names)."""
    return validate_email(f"x@{domain}", check_deliverability=False).domain.lower()


def fold(text: str) -> str:
    """Lower case without accents or extra spaces: the key for accent-insensitive search."""
    decomposed = unicodedata.normalize("NFKD", ascii_digits(text))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().split())


def card(raw: str) -> str:
    value = re.sub(r"[\s-]", "", clean(raw))
    if not value.isalnum():
        raise InvalidValue(f"a card number holds letters and digits only: {raw!r}")
    return value.upper()


def external_id(raw: str) -> str:
    value = clean(raw).strip()
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
    value = re.sub(r"[\s.\-]", "", clean(raw)).upper()
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
