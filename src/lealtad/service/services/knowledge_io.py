"""Importing and exporting the knowledge base as a list of articles (JSON or YAML).

An import is all or nothing: every row is checked first, and a refusal names its row
(``articles.3.versions.0.title``); only then are the articles saved, in one transaction.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from lealtad.core.audit import Actor
from lealtad.service.models import Article
from lealtad.service.services.knowledge import (
    ArticleDraft,
    KnowledgeRefused,
    Version,
    check,
    save_article,
)

FIELDS = ("key", "category", "subtype", "products", "tags", "status", "is_faq", "audience")


def draft_of(row: Any, at: str) -> ArticleDraft:
    """One row of an import as a draft, or a refusal naming the row and the field."""
    if not isinstance(row, dict):
        raise KnowledgeRefused(_("An article is an object."), field=at)
    unknown = set(row) - {*FIELDS, "versions"}
    if unknown:
        raise KnowledgeRefused(_("Unknown field."), field=f"{at}.{sorted(unknown)[0]}")
    versions = row.get("versions")
    if not isinstance(versions, list):
        raise KnowledgeRefused(_("A list of versions is needed."), field=f"{at}.versions")
    try:
        draft = ArticleDraft(
            **{k: row[k] for k in FIELDS if k in row and k != "key"},
            key=str(row.get("key", "")),
            versions=[
                Version(str(v["language"]), str(v["title"]), str(v["body"])) for v in versions
            ],
        )
        check(draft)
    except (KeyError, TypeError) as exc:
        raise KnowledgeRefused(_("Incomplete version."), field=f"{at}.versions") from exc
    except KnowledgeRefused as exc:
        raise KnowledgeRefused(exc.text, field=f"{at}.{exc.field}" if exc.field else at) from exc
    return draft


def import_articles(rows: Any, actor: Actor) -> int:
    if not isinstance(rows, list):
        raise KnowledgeRefused(_("A list of articles is expected."), field="articles")
    drafts = [draft_of(row, f"articles.{i}") for i, row in enumerate(rows)]
    seen: set[str] = set()
    for i, draft in enumerate(drafts):
        if draft.key in seen:
            raise KnowledgeRefused(
                _("Key %(key)s appears twice."), field=f"articles.{i}.key", key=draft.key
            )
        seen.add(draft.key)
    with transaction.atomic():
        for draft in drafts:
            save_article(draft, actor)
    return len(drafts)


def export_articles() -> list[dict[str, Any]]:
    out = []
    for article in Article.objects.prefetch_related("versions").order_by("key"):
        row: dict[str, Any] = {name: getattr(article, name) for name in FIELDS}
        row["versions"] = [
            {"language": v.language, "title": v.title, "body": v.body_html}
            for v in sorted(article.versions.all(), key=lambda v: v.language)
        ]
        out.append(row)
    return out
