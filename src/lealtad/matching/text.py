"""Normalizing the fields people write into the forms the comparisons use.

Accents and case are folded ("Núñez" and "NUNEZ" are "nunez"), punctuation goes, Spanish
abbreviations and nicknames become the full given name ("Ma." → "maria", "Pepe" → "jose"),
surname particles are dropped ("de la Cruz" → "cruz"), street types are spelled one way
("Av." → "avenida") and the house number is split from the street.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import lru_cache

import phonenumbers

# Given-name abbreviations and nicknames of Spanish-speaking Latin America. A nickname that
# stands for two names (Beto: Alberto or Roberto) is left alone: it would invent a match.
NICKNAMES: dict[str, str] = {
    "ma": "maria",
    "mª": "maria",
    "maria": "maria",
    "fco": "francisco",
    "francisco": "francisco",
    "pancho": "francisco",
    "paco": "francisco",
    "curro": "francisco",
    "kiko": "francisco",
    "pepe": "jose",
    "pepito": "jose",
    "jse": "jose",
    "lucho": "luis",
    "chucho": "jesus",
    "chuy": "jesus",
    "lupe": "guadalupe",
    "lupita": "guadalupe",
    "nacho": "ignacio",
    "memo": "guillermo",
    "gmo": "guillermo",
    "guille": "guillermo",
    "tono": "antonio",
    "ant": "antonio",
    "quique": "enrique",
    "kike": "enrique",
    "rafa": "rafael",
    "lalo": "eduardo",
    "pili": "pilar",
    "charo": "rosario",
    "chayo": "rosario",
    "concha": "concepcion",
    "conchita": "concepcion",
    "fer": "fernando",
    "alex": "alejandro",
    "gabo": "gabriel",
    "manolo": "manuel",
    "manu": "manuel",
    "javi": "javier",
    "dani": "daniel",
    "gaby": "gabriela",
    "vicky": "victoria",
    "tere": "teresa",
    "licha": "alicia",
    "meche": "mercedes",
    "santi": "santiago",
    "seba": "sebastian",
    "nico": "nicolas",
    "pato": "patricio",
    "fabi": "fabiola",
    "chelo": "marcelo",
    "juanca": "juan carlos",
    "juanjo": "juan jose",
    "marijo": "maria jose",
    "maite": "maria teresa",
    "chema": "jose maria",
    "josema": "jose maria",
    "jc": "juan carlos",
    "mj": "maria jose",
}
SURNAME_PARTICLES = frozenset({"de", "del", "la", "las", "los", "y", "da", "van", "von", "san"})
STREET_WORDS: dict[str, str] = {
    "av": "avenida",
    "ave": "avenida",
    "avda": "avenida",
    "avenue": "avenida",
    "c": "calle",
    "cl": "calle",
    "cll": "calle",
    "clle": "calle",
    "calle": "calle",
    "jr": "jiron",
    "jiron": "jiron",
    "pje": "pasaje",
    "psje": "pasaje",
    "st": "street",
    "str": "street",
    "rd": "road",
    "cres": "crescent",
    "pl": "place",
    "dr": "drive",
    "cct": "circuit",
    "cnr": "corner",
    "blvd": "boulevard",
    "carr": "carretera",
    "km": "km",
}
NO_NUMBER = frozenset({"sn", "s/n", "sin numero", "-", "?", "na", "n/a"})
_PUNCT = re.compile(r"[^\w\s]")
_DIGITS = re.compile(r"\D+")
_HAS_DIGIT = re.compile(r"\d")
_HOUSE = re.compile(r"^(?:#|no|nro|n|num)?\.?\s*([a-z]?\d+[a-z]?(?:-\d+[a-z]?)?)$")


# The accented letters of Spanish (and Portuguese, French names): folded by a table, which
# is several times faster than Unicode decomposition; anything else still decomposes.
_LATIN = str.maketrans(
    "áàâäãéèêëíìîïóòôöõúùûüñçýÿÁÀÂÄÃÉÈÊËÍÌÎÏÓÒÔÖÕÚÙÛÜÑÇÝ",
    "aaaaaeeeeiiiiooooouuuuncyyAAAAAEEEEIIIIOOOOOUUUUNCY",
)


@lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """Lower case, no accents, single spaces: "  Núñez  DEL Pozo" → "nunez del pozo"."""
    if text.isascii():
        return " ".join(text.lower().split())
    plain = text.translate(_LATIN)
    if plain.isascii():
        return " ".join(plain.lower().split())
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().split())


def _words(text: str) -> list[str]:
    return _PUNCT.sub(" ", fold(text).replace("ª", "a ")).split()


@lru_cache(maxsize=200_000)
def given_names(text: str) -> tuple[str, ...]:
    """Given names, folded, with nicknames and abbreviations expanded.

    >>> given_names("Ma. José")
    ('maria', 'jose')
    >>> given_names("PEPE")
    ('jose',)
    """
    out: list[str] = []
    for word in _words(text.replace("ª", "a.")):
        out.extend(NICKNAMES.get(word, word).split())
    return tuple(out)


@lru_cache(maxsize=200_000)
def surname(text: str) -> str:
    """One family name without particles or spaces: "de la Cruz" → "cruz"."""
    words = [w for w in _words(text) if w not in SURNAME_PARTICLES]
    return "".join(words)


@lru_cache(maxsize=200_000)
def surnames(first: str, second: str = "") -> tuple[str, str]:
    """The two family names; a first surname holding both ("Juárez Ortega") is split."""
    if second.strip():
        return surname(first), surname(second)
    words = [w for w in _words(first) if w not in SURNAME_PARTICLES]
    if len(words) == 2:
        return words[0], words[1]
    return "".join(words), ""


@lru_cache(maxsize=200_000)
def street(line: str) -> tuple[str, str]:
    """(street name, house number) of an address line, both normalized.

    "Av. 12 de Octubre N24-593 y Luis Cordero" → ("avenida 12 de octubre", "n24-593");
    "6 tullaroop street" → ("tullaroop street", "6"). The cross street after " y " is dropped.
    """
    text = fold(line)
    if text in NO_NUMBER:
        return "", ""
    text = re.split(r"\s+y\s+", text, maxsplit=1)[0]
    tokens = [t for t in re.sub(r"[^\w\s#/-]", " ", text).split() if t]
    number = ""
    if tokens and tokens[0].isdigit():
        number, tokens = tokens[0], tokens[1:]
    else:
        for i in range(len(tokens) - 1, -1, -1):
            found = _HOUSE.match(tokens[i])
            nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
            if found and nxt != "de" and i > 0:
                number = found.group(1)
                del tokens[i]
                break
    if number in NO_NUMBER:
        number = ""
    words = [STREET_WORDS.get(t, t) for t in tokens if t not in NO_NUMBER and t != "#"]
    return " ".join(words), number


@lru_cache(maxsize=100_000)
def simple(text: str) -> str:
    """Folded with punctuation removed (cities, regions, postcodes)."""
    return " ".join(_words(text))


@lru_cache(maxsize=200_000)
def phone(number: str, region: str = "EC") -> str:
    """The digits of the E.164 form ("099 375 7370" in EC → "593993757370"), or just the
    digits typed when the number cannot be read."""
    raw = number.strip()
    if not raw:
        return ""
    if raw.startswith("+") and raw[1:].isdigit():
        return raw[1:]  # already E.164, as the customer tables hold it
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return digits(raw)
    if not phonenumbers.is_possible_number(parsed):
        return digits(raw)
    return digits(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))


def digits(text: str) -> str:
    return _DIGITS.sub("", text)


def identifier(text: str) -> str:
    """A national id or similar: letters and digits only, upper case."""
    if text.isascii() and text.isalnum():
        return text.upper()
    return re.sub(r"[^0-9A-Za-z]", "", fold(text)).upper()


def email_parts(address: str) -> tuple[str, str]:
    """(local part without dots or +tags, domain), both lower case."""
    local, _, domain = address.strip().lower().rpartition("@")
    local = local.split("+", 1)[0]
    if domain in ("gmail.com", "googlemail.com"):
        local, domain = local.replace(".", ""), "gmail.com"
    return local, domain


def date_key(value: date | str | int | None) -> int:
    """A birth date as the integer yyyymmdd; 0 when unknown or not a date."""
    if value is None or value == "":
        return 0
    if isinstance(value, date):
        return value.year * 10000 + value.month * 100 + value.day
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        text = value[:4] + value[5:7] + value[8:]  # ISO, as the database gives it
        if not text.isdigit():
            text = digits(value)
    else:
        text = digits(str(value))
    if len(text) != 8:
        return 0
    number = int(text)
    year, month, day = number // 10000, number // 100 % 100, number % 100
    if not (1800 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31):
        return 0
    return number


def soundex(word: str) -> str:
    """American Soundex of a folded word (blocking key tolerant of spelling)."""
    if not word:
        return ""
    codes = {c: d for d, letters in _SOUNDEX.items() for c in letters}
    first = word[0]
    out = [first.upper()]
    last = codes.get(first, "")
    for char in word[1:]:
        code = codes.get(char, "")
        if code and code != last:
            out.append(code)
        if char not in "hw":
            last = code
    return ("".join(out) + "000")[:4]


_SOUNDEX = {"1": "bfpv", "2": "cgjkqsxz", "3": "dt", "4": "l", "5": "mn", "6": "r"}
