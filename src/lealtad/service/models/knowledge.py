"""The knowledge base: articles (a version per language), feedback, troubleshooting trees and
the walks agents make through them, agent scripts, and the stem counts search ranks with.

The full-text index is not a Django field: on SQLite an FTS5 table over ``search_title`` and
``search_body`` kept by triggers, on PostgreSQL a generated ``tsvector`` column with a GIN
index (migration ``knowledge``). Both index the same pre-stemmed text.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from lealtad.service.choices import CaseCategory

__all__ = [
    "AgentScript",
    "Article",
    "ArticleFeedback",
    "ArticleVersion",
    "KnowledgeTerm",
    "TreeWalk",
    "TroubleshootingTree",
]


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class Audience(models.TextChoices):
    INTERNAL = "internal", _("Internal (agents)")
    PUBLIC = "public", _("Public (customers)")


class Language(models.TextChoices):
    ES = "es", _("Spanish")
    EN = "en", _("English")


class Article(models.Model):
    key = models.SlugField(max_length=80, unique=True)
    category = models.CharField(max_length=30, choices=CaseCategory.choices)
    subtype = models.CharField(max_length=40, blank=True)
    products = models.JSONField(default=list, blank=True)  # SKUs or product families
    tags = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=12, choices=ArticleStatus.choices, default="draft")
    is_faq = models.BooleanField(_("FAQ for self-service"), default=False)
    audience = models.CharField(max_length=12, choices=Audience.choices, default="internal")
    helpful = models.PositiveIntegerField(default=0)
    unhelpful = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["key"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")

    def __str__(self) -> str:
        return self.key


class ArticleVersion(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    language = models.CharField(max_length=2, choices=Language.choices)
    title = models.CharField(_("title"), max_length=200)
    body_html = models.TextField(_("body"))  # sanitised with nh3 when saved
    body_text = models.TextField(blank=True)  # the body without tags (snippets, highlights)
    search_title = models.TextField(blank=True)  # stems (service_engine.search.analyse)
    search_body = models.TextField(blank=True)
    # Copied from the article so the index query filters without a join.
    published = models.BooleanField(default=False)
    public = models.BooleanField(default=False)
    is_faq = models.BooleanField(default=False)
    category = models.CharField(max_length=30, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "language"], name="svc_kb_one_per_language")
        ]
        indexes = [models.Index(fields=["language", "published"], name="svc_kb_lang_pub")]

    def __str__(self) -> str:
        return f"{self.article_id}/{self.language} {self.title}"


class ArticleFeedback(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="feedback")
    language = models.CharField(max_length=2, choices=Language.choices)
    helpful = models.BooleanField()
    comment = models.TextField(blank=True)
    author = models.CharField(max_length=150, blank=True)
    case_id = models.BigIntegerField(null=True, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.article_id} {'+' if self.helpful else '-'}"


class KnowledgeTerm(models.Model):
    """How many article versions hold a stem (BM25's document frequency), kept by the
    services as versions change; the stem ``""`` counts the versions themselves."""

    stem = models.CharField(max_length=80, primary_key=True)
    documents = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.stem}: {self.documents}"


class TroubleshootingTree(models.Model):
    """Questions with answers leading to the next node, ending in solutions.

    ``nodes`` is ``{"start": {"question": "…", "answers": [{"label": "…", "next": "n2"}]},
    "n2": {"solution": "…", "article": "article-key"}}``, checked by the services."""

    key = models.SlugField(max_length=80)
    language = models.CharField(max_length=2, choices=Language.choices, default="es")
    title = models.CharField(max_length=200)
    category = models.CharField(max_length=30, choices=CaseCategory.choices, blank=True)
    root = models.CharField(max_length=40, default="start")
    nodes = models.JSONField()
    published = models.BooleanField(default=True)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["key", "language"]
        constraints = [
            models.UniqueConstraint(fields=["key", "language"], name="svc_kb_tree_per_language")
        ]

    def __str__(self) -> str:
        return f"{self.key}/{self.language}"


class TreeWalk(models.Model):
    """An agent's way through a tree on a case: ``path`` is ``[[node, answer label], …]``."""

    tree = models.ForeignKey(TroubleshootingTree, on_delete=models.PROTECT)
    case_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    node = models.CharField(max_length=40)
    path = models.JSONField(default=list)
    finished = models.BooleanField(default=False)
    article_key = models.CharField(max_length=80, blank=True)  # the solution's article
    author = models.CharField(max_length=150, blank=True)
    started_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.tree_id} at {self.node}"


class AgentScript(models.Model):
    """What an agent says, step by step, in one process ("cancellation retention")."""

    process = models.SlugField(max_length=80)
    language = models.CharField(max_length=2, choices=Language.choices, default="es")
    title = models.CharField(max_length=200)
    steps = models.JSONField(default=list)  # [{"say": "…", "note": "…"}]
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["process", "language"]
        constraints = [
            models.UniqueConstraint(fields=["process", "language"], name="svc_kb_script_lang")
        ]

    def __str__(self) -> str:
        return f"{self.process}/{self.language}"
