"""Reading the knowledge base: search, suggestions from a case's text, FAQs for the portal.

The database finds candidates (FTS5 on SQLite, the tsvector on PostgreSQL, both over the
same stems); ``service_engine.search.rank`` orders them, so both databases show the same
articles in the same order, each with the words that matched.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from django.db import connection

from lealtad.service.models import (
    Article,
    ArticleFeedback,
    ArticleVersion,
    Case,
    CaseEntry,
    KnowledgeTerm,
)
from lealtad.service.services.knowledge import KnowledgeRefused
from lealtad.service_engine.search import LANGUAGES, Candidate
from lealtad.service_engine.search.query import (
    Shape,
    Terms,
    fts5_shape,
    shape,
    terms,
    tsquery_shape,
)
from lealtad.service_engine.search.rank import highlight, reasons, score_candidates
from lealtad.service_engine.search.text import stems as all_stems

CANDIDATES = 60
# PostgreSQL ranks its matches by their titles: ranking the whole tsvector costs 2.5 times as
# much (60 vs 24 ms for 5,000 matches) and the order is redone over title and body anyway.
TITLE_VECTOR = "to_tsvector('simple', i.search_title)"
INNER = 400  # the engine's best matches the scope then filters


@dataclass(frozen=True)
class Hit:
    key: str
    language: str
    title: str
    category: str
    subtype: str
    is_faq: bool
    public: bool
    score: float
    matched: tuple[str, ...]  # the query's words (as written) that matched
    title_pieces: list[tuple[str, bool]] = field(default_factory=list)
    snippet: list[tuple[str, bool]] = field(default_factory=list)  # (text, highlighted)
    helpful: int = 0
    unhelpful: int = 0


@dataclass(frozen=True)
class Scope:
    """Which versions a reader may find: agents see internal articles, customers don't."""

    language: str = "es"
    public_only: bool = False
    faq_only: bool = False
    published_only: bool = True


def _filters(scope: Scope) -> tuple[str, list[str | bool | int]]:
    sql = " AND v.language = %s"
    params: list[str | bool | int] = [scope.language]
    if scope.published_only:
        sql += " AND v.published = %s"
        params.append(True)
    if scope.public_only:
        sql += " AND v.public = %s"
        params.append(True)
    if scope.faq_only:
        sql += " AND v.is_faq = %s"
        params.append(True)
    return sql, params


def candidates(found: Shape, scope: Scope, *, limit: int = CANDIDATES) -> list[Candidate]:
    """The engine's best ``limit`` matches by its own rank (the order is redone later).

    The engine ranks its matches alone first (joining every match to its row before the
    limit costs four times as much), then the scope filters the best few hundred; only when
    that leaves too few is the scope applied to every match."""
    if not found:
        return []
    first = _query(found, scope, limit, inner=INNER)
    return first if len(first) >= limit else _query(found, scope, limit, inner=0)


def _query(found: Shape, scope: Scope, limit: int, *, inner: int) -> list[Candidate]:
    where, params = _filters(scope)
    if connection.vendor == "postgresql":
        # Titles only: their own index (weight labels would not narrow the GIN scan).
        vector = (
            "to_tsvector('simple', {0}.search_title)"
            if found.titles_only
            else ("{0}.search_vector")
        )
        source = "service_articleversion v, to_tsquery('simple', %s) q"
        match = f"{vector.format('v')} @@ q"
        rank = f"ts_rank({vector.format('v')}, q) DESC"
        if inner:
            source = (
                f"(SELECT i.id, ts_rank({TITLE_VECTOR}, q) AS r FROM service_articleversion"
                f" i, to_tsquery('simple', %s) q WHERE {vector.format('i')} @@ q ORDER BY r DESC"
                " LIMIT %s) f JOIN service_articleversion v ON v.id = f.id"
            )
            match, rank = "TRUE", "f.r DESC"
        expression = tsquery_shape(replace(found, titles_only=False))
    else:
        source = "service_kb_fts f JOIN service_articleversion v ON v.id = f.rowid"
        match, rank = "service_kb_fts MATCH %s", "bm25(service_kb_fts, 3.0, 1.0)"
        if inner:
            source = (
                "(SELECT rowid AS id, bm25(service_kb_fts, 3.0, 1.0) AS r FROM service_kb_fts"
                " WHERE service_kb_fts MATCH %s ORDER BY r LIMIT %s) f"
                " JOIN service_articleversion v ON v.id = f.id"
            )
            match, rank = "1", "f.r"
        expression = fts5_shape(found)
    sql = (
        f"SELECT v.id, v.search_title, v.search_body FROM {source} WHERE {match}{where}"
        f" ORDER BY {rank}, v.id LIMIT %s"
    )
    args: list[str | bool | int] = [expression, inner] if inner else [expression]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*args, *params, limit])
        return [Candidate(pk, title, body) for pk, title, body in cursor.fetchall()]


def _frequencies(stems: tuple[str, ...]) -> tuple[dict[str, int], int]:
    rows = dict(
        KnowledgeTerm.objects.filter(stem__in=[*stems, ""]).values_list("stem", "documents")
    )
    return rows, rows.pop("", 0)


def _hits(text: str, query: Terms, found: list, scope: Scope) -> list[Hit]:
    versions = ArticleVersion.objects.select_related("article").in_bulk([s.key for s in found])
    out = []
    for s in found:
        v = versions[s.key]
        out.append(
            Hit(
                key=v.article.key,
                language=v.language,
                title=v.title,
                category=v.article.category,
                subtype=v.article.subtype,
                is_faq=v.is_faq,
                public=v.public,
                score=round(s.score, 3),
                matched=tuple(reasons(s.matched, text, scope.language)) or s.matched,
                title_pieces=highlight(v.title, s.matched, scope.language, query.prefix),
                snippet=highlight(
                    _window(v.body_text, s.matched, scope.language),
                    s.matched,
                    scope.language,
                    query.prefix,
                ),
                helpful=v.article.helpful,
                unhelpful=v.article.unhelpful,
            )
        )
    return out


def _window(text: str, matched: tuple[str, ...], language: str, width: int = 220) -> str:
    """About ``width`` characters of the body around its first matched word."""
    pieces = highlight(text, matched, language)
    at = 0
    for piece, hit in pieces:
        if hit:
            break
        at += len(piece)
    else:
        at = 0
    start = max(0, at - width // 3)
    cut = text[start : start + width]
    return ("…" if start else "") + cut + ("…" if start + width < len(text) else "")


def search(
    text: str, scope: Scope | None = None, *, limit: int = 10, typing: bool = False
) -> list[Hit]:
    """Articles holding every word asked for (or, if none does, the rarer of them), best
    first."""
    scope = scope or Scope()
    _language(scope)
    query = terms(text, scope.language, typing=typing)
    known = _frequencies(query.stems)
    every = shape(query, *known, every=True)
    found = candidates(every, scope)
    if len(found) < limit and every.titles_only:
        found = candidates(replace(every, titles_only=False), scope)
    if not found:
        found = candidates(shape(query, *known, every=False), scope)
    return _rank(text, query, found, scope, limit, known)


def suggest(
    text: str, scope: Scope | None = None, *, limit: int = 3, typing: bool = False
) -> list[Hit]:
    """The articles a case's text (subject, description, last message) is most likely about.

    Any word may match: a customer's description has many words no article has. The engine
    is asked for the rare ones and pairs of the common ones; the ranking weighs them all."""
    scope = scope or Scope()
    _language(scope)
    query = terms(text, scope.language, typing=typing, limit=40)
    known = _frequencies(query.stems)
    found = candidates(shape(query, *known, every=False), scope)
    return _rank(text, query, found, scope, limit, known)


def _rank(
    text: str,
    query: Terms,
    found: list[Candidate],
    scope: Scope,
    limit: int,
    known: tuple[dict[str, int], int] | None = None,
) -> list[Hit]:
    if not found:
        return []
    asked = tuple(all_stems(text, scope.language))
    frequencies, total = known or _frequencies(query.stems)
    best = score_candidates(asked, found, frequencies, total, prefix=query.prefix, limit=limit)
    return _hits(text, query, best, scope)


def _language(scope: Scope) -> None:
    if scope.language not in LANGUAGES:
        raise KnowledgeRefused(f"Unknown language {scope.language!r}.", field="language")


def published_faqs(query: str = "", language: str = "es", *, limit: int = 20) -> list[Hit]:
    """What the customer portal shows: published public FAQs, searched or all of them."""
    scope = Scope(language=language, public_only=True, faq_only=True)
    if query.strip():
        return search(query, scope, limit=limit)
    rows = (
        ArticleVersion.objects.select_related("article")
        .filter(language=language, published=True, public=True, is_faq=True)
        .order_by("title")[:limit]
    )
    return [
        Hit(
            v.article.key,
            v.language,
            v.title,
            v.category,
            v.article.subtype,
            True,
            True,
            0.0,
            (),
            [(v.title, False)],
            [(v.body_text[:220], False)],
        )
        for v in rows
    ]


def article(key: str, language: str, *, public_only: bool = False) -> ArticleVersion | None:
    """One article in one language (or its other language if that one is missing)."""
    rows = ArticleVersion.objects.select_related("article").filter(article__key=key)
    if public_only:
        rows = rows.filter(published=True, public=True)
    found = {v.language: v for v in rows}
    return found.get(language) or next(iter(found.values()), None)


def articles(*, status: str = "", category: str = "") -> list[Article]:
    rows = Article.objects.prefetch_related("versions")
    if status:
        rows = rows.filter(status=status)
    if category:
        rows = rows.filter(category=category)
    return list(rows)


def unhelpful(limit: int = 50) -> list[Article]:
    """Articles readers found unhelpful, worst first: the editors' to-do list."""
    return list(
        Article.objects.filter(unhelpful__gt=0).order_by("-unhelpful", "helpful", "key")[:limit]
    )


def feedback_for(key: str, limit: int = 100) -> list[ArticleFeedback]:
    return list(ArticleFeedback.objects.filter(article__key=key)[:limit])


def case_text(case_id: int) -> str | None:
    """What suggestions read from a case: subject, description and the customer's last
    message (None when there is no such case)."""
    case = Case.objects.filter(pk=case_id).values("subject", "description").first()
    if case is None:
        return None
    last = (
        CaseEntry.objects.filter(case_id=case_id, kind="message")
        .order_by("-at", "-id")
        .values_list("body", flat=True)
        .first()
    )
    return " ".join(p for p in (case["subject"], case["description"], last or "") if p)


def article_versions(key: str) -> list[ArticleVersion]:
    """Every language of an article (the editor shows them side by side)."""
    return list(ArticleVersion.objects.select_related("article").filter(article__key=key))
