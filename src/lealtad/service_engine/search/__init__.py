"""Knowledge-base search without a database: words folded, stemmed and scored.

Both SQLite (FTS5) and PostgreSQL (tsvector, ``simple``) index the *same* pre-stemmed text
this package produces, so "facturación", "facturacion" and "factura" meet as ``factur`` on
either database and no ``unaccent`` extension or database stemmer is needed.
"""

from lealtad.service_engine.search.query import fts5_match, tsquery
from lealtad.service_engine.search.rank import Candidate, Suggestion, score_candidates
from lealtad.service_engine.search.text import LANGUAGES, analyse, fold, stems, words

__all__ = [
    "LANGUAGES",
    "Candidate",
    "Suggestion",
    "analyse",
    "fold",
    "fts5_match",
    "score_candidates",
    "stems",
    "tsquery",
    "words",
]
