"""Writing the knowledge base: articles and their language versions, feedback.

Every version's text is stemmed here (``service_engine.search``) and its stems counted in
``KnowledgeTerm`` in the same transaction, so the index (kept by the database) and the
frequencies ranking reads never disagree. Bodies are rich text: nh3 keeps formatting and
links and drops scripts, handlers and styles before anything is stored.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import nh3
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lealtad.core.audit import Actor
from lealtad.core.errors import DomainError
from lealtad.service.choices import SUBTYPES, CaseCategory
from lealtad.service.models import Article, ArticleFeedback, ArticleVersion, KnowledgeTerm
from lealtad.service_engine.search import LANGUAGES, analyse

KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
TAGS = {"p", "br", "strong", "em", "b", "i", "u", "ul", "ol", "li", "a", "h2", "h3", "h4"}
TAGS |= {"code", "pre", "blockquote", "table", "thead", "tbody", "tr", "th", "td", "hr"}


class KnowledgeRefused(DomainError):
    code = "knowledge_refused"
    kind = "invalid"


class KnowledgeNotFound(DomainError):
    code = "not_found"
    kind = "not_found"
    template = _("There is no such article.")


@dataclass
class Version:
    language: str
    title: str
    body: str  # HTML (sanitised on save) or plain text


@dataclass
class ArticleDraft:
    key: str
    category: str
    versions: list[Version]
    subtype: str = ""
    products: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    status: str = "draft"
    is_faq: bool = False
    audience: str = "internal"


def sanitise(body: str) -> str:
    """Rich text a browser may show: formatting and http(s)/mailto links only."""
    return nh3.clean(body, tags=TAGS, url_schemes={"http", "https", "mailto"})


def plain(body_html: str) -> str:
    text = re.sub(r"<(br|/p|/li|/h[2-4]|/tr)\s*/?>", "\n", body_html, flags=re.I)
    return html.unescape(re.sub(r"<[^>]+>", " ", text)).strip()


def check(draft: ArticleDraft) -> None:
    """Refuse a draft naming the field at fault (the import checks every row before saving)."""
    if not KEY.match(draft.key):
        raise KnowledgeRefused(_("Use lower-case letters, digits and hyphens."), field="key")
    if draft.category not in CaseCategory.values:
        raise KnowledgeRefused(_("Unknown category."), field="category")
    if draft.subtype and draft.subtype not in SUBTYPES.get(draft.category, {}):
        raise KnowledgeRefused(_("Unknown subtype for this category."), field="subtype")
    if draft.status not in ("draft", "published"):
        raise KnowledgeRefused(_("Status is draft or published."), field="status")
    if draft.audience not in ("internal", "public"):
        raise KnowledgeRefused(_("Audience is internal or public."), field="audience")
    if draft.is_faq and draft.audience != "public":
        raise KnowledgeRefused(_("An FAQ is for customers: make it public."), field="is_faq")
    if not draft.versions:
        raise KnowledgeRefused(_("An article needs at least one language."), field="versions")
    seen: set[str] = set()
    for i, v in enumerate(draft.versions):
        if v.language not in LANGUAGES or v.language in seen:
            raise KnowledgeRefused(
                _("Unknown or repeated language."), field=f"versions.{i}.language"
            )
        seen.add(v.language)
        if not v.title.strip() or len(v.title) > 200:
            raise KnowledgeRefused(_("A title of 1-200 characters."), field=f"versions.{i}.title")
        if not plain(sanitise(v.body)):
            raise KnowledgeRefused(_("The body is empty."), field=f"versions.{i}.body")


def _count(stems: Iterable[str], delta: int) -> None:
    """Document frequencies: each distinct stem of a version once, plus the total ("")."""
    for stem in set(stems) | {""}:
        if delta > 0:
            KnowledgeTerm.objects.get_or_create(stem=stem[:80])
        KnowledgeTerm.objects.filter(stem=stem[:80]).update(documents=F("documents") + delta)


def _stems(version: ArticleVersion) -> list[str]:
    return (version.search_title + " " + version.search_body).split()


def save_article(draft: ArticleDraft, actor: Actor) -> Article:
    """Create or replace an article (by key) with the versions given; a language left out
    is removed. Nothing is written when any part is refused."""
    check(draft)
    now = timezone.now()
    with transaction.atomic():
        article, _made = Article.objects.select_for_update().get_or_create(
            key=draft.key,
            defaults={"category": draft.category, "created_at": now, "updated_at": now},
        )
        for name in ("category", "subtype", "products", "tags", "status", "is_faq", "audience"):
            setattr(article, name, getattr(draft, name))
        article.updated_at = now
        article.save()
        old = {v.language: v for v in article.versions.all()}
        for v in draft.versions:
            _save_version(article, v, old.pop(v.language, None), now)
        for gone in old.values():
            _count(_stems(gone), -1)
            gone.delete()
    return article


def _save_version(
    article: Article, v: Version, version: ArticleVersion | None, now: object
) -> None:
    body_html = sanitise(v.body)
    body_text = plain(body_html)
    if version is None:
        version = ArticleVersion(article=article, language=v.language)
    else:
        _count(_stems(version), -1)
    version.title = v.title.strip()
    version.body_html = body_html
    version.body_text = body_text
    version.search_title = analyse(version.title, v.language)
    version.search_body = analyse(body_text + " " + " ".join(article.tags), v.language)
    version.published = article.status == "published"
    version.public = article.audience == "public"
    version.is_faq = article.is_faq
    version.category = article.category
    version.updated_at = now  # type: ignore[assignment]
    version.save()
    _count(_stems(version), +1)


def set_status(key: str, status: str, actor: Actor) -> Article:
    if status not in ("draft", "published"):
        raise KnowledgeRefused(_("Status is draft or published."), field="status")
    with transaction.atomic():
        article = _locked(key)
        article.status = status
        article.updated_at = timezone.now()
        article.save(update_fields=["status", "updated_at"])
        article.versions.update(published=status == "published")
    return article


def delete_article(key: str, actor: Actor) -> None:
    with transaction.atomic():
        article = _locked(key)
        for version in article.versions.all():
            _count(_stems(version), -1)
        article.delete()


def _locked(key: str) -> Article:
    try:
        return Article.objects.select_for_update().get(key=key)
    except Article.DoesNotExist:
        raise KnowledgeNotFound(field="key") from None


def feedback(
    key: str,
    helpful: bool,
    actor: Actor,
    *,
    language: str = "es",
    comment: str = "",
    case_id: int | None = None,
) -> ArticleFeedback:
    """Was the article helpful? Counted on the article; comments kept for its editors."""
    if language not in LANGUAGES:
        raise KnowledgeRefused(_("Unknown language."), field="language")
    if len(comment) > 2000:
        raise KnowledgeRefused(_("At most 2,000 characters."), field="comment")
    with transaction.atomic():
        article = _locked(key)
        counter = "helpful" if helpful else "unhelpful"
        Article.objects.filter(pk=article.pk).update(**{counter: F(counter) + 1})
        return ArticleFeedback.objects.create(
            article=article,
            language=language,
            helpful=helpful,
            comment=comment.strip(),
            author=actor.label[:150],
            case_id=case_id,
            at=timezone.now(),
        )


def rebuild_terms() -> int:
    """Count every version's stems again (after a bulk load); returns the versions seen."""
    counts: Counter[str] = Counter()
    total = 0
    rows = ArticleVersion.objects.values_list("search_title", "search_body")
    for title, body in rows.iterator(chunk_size=2000):
        counts.update(set((title + " " + body).split()))
        total += 1
    counts[""] = total
    with transaction.atomic():
        KnowledgeTerm.objects.all().delete()
        KnowledgeTerm.objects.bulk_create(
            [KnowledgeTerm(stem=s[:80], documents=n) for s, n in counts.items()],
            batch_size=2000,
        )
    return total
