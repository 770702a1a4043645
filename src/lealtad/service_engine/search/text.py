"""Words as the index keeps them: lower case, accents folded, stop words out, stemmed.

Folding comes *before* stemming: the Snowball Spanish stemmer reads "garantía" and "garantia"
differently, and customers type without accents, so the stemmer only ever sees folded words
and both spellings give one stem.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

LANGUAGES = {"es": "spanish", "en": "english"}
_WORD = re.compile(r"[0-9a-zñ]+")

# Words that say nothing about what a case is about (both languages: customers mix them).
_STOP_TEXT = """
    a al algo algun alguna alguno ante antes aqui asi aun bien cada como con contra cual
    cuando de del desde donde dos el ella ellas ellos en entre era eran es esa ese eso esta
    estaba estan estar este esto estoy fue fui ha habia han hasta hay hoy la las le les lo
    los mas me mi mis mucho muy nada ni no nos nosotros o os otra otro para pero poco por
    porque que quien se sea ser si sin sobre solo son su sus tambien tan tengo tiene tienen
    todo todos tu tus un una uno unos unas usted ustedes va vez y ya yo hola buenas buenos
    dias tardes noches gracias favor saludos quiero quisiera necesito puedo pueden hacer
    hice ayer porfa xq pq q d k an and are as at be been but by can could did do does for
    from had has have hello hi how i if in into is it its me my of on or our please so than
    that the their them then there these they this to too up was we were what when where
    which who why will with would you your thanks help
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())


def fold(text: str) -> str:
    """Lower case without accents ("Facturación" -> "facturacion"); ñ becomes n too."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def words(text: str) -> list[str]:
    """The folded words of a text, in order, stop words included (for highlighting)."""
    return _WORD.findall(fold(text))


@lru_cache(maxsize=8)
def _stemmer(language: str) -> snowballstemmer.stemmer:
    try:
        return snowballstemmer.stemmer(LANGUAGES[language])
    except KeyError:
        raise ValueError(f"language: {language!r} is not one of {sorted(LANGUAGES)}") from None


@lru_cache(maxsize=200_000)
def stem(word: str, language: str) -> str:
    """One folded word's stem (cached: the same few thousand words come back all day)."""
    return fold(_stemmer(language).stemWord(word))


def stems(text: str, language: str) -> list[str]:
    """The stems of a text's meaningful words, in order, repeats kept (they weigh)."""
    _stemmer(language)  # an unknown language is refused even for a text of stop words
    return [stem(w, language) for w in words(text) if w not in STOP_WORDS and len(w) > 1]


def analyse(text: str, language: str) -> str:
    """The text the full-text index stores: its stems joined by spaces."""
    return " ".join(stems(text, language))
