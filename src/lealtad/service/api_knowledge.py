"""The knowledge base over HTTP (``/api/v1/service/kb/…``): search, suggestions for a case,
articles (editing for supervisors), feedback, troubleshooting walks and agent scripts.
Thin: capability, body, service or selector."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema
from pydantic import ConfigDict

from lealtad.core.access import require
from lealtad.core.api_errors import errors
from lealtad.core.audit import Actor
from lealtad.core.roles import Capability
from lealtad.service.selectors import knowledge as kb
from lealtad.service.selectors import knowledge_trees as tree_reads
from lealtad.service.services import knowledge, knowledge_trees
from lealtad.service.services.knowledge import ArticleDraft, KnowledgeNotFound, Version

router = Router(tags=["service desk: knowledge base"])
PREFIX = "/service/kb"
Lang = Literal["es", "en"]


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class VersionIn(Strict):
    language: Lang
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=200_000, description="HTML, sanitised on save")


class ArticleIn(Strict):
    category: str = Field(max_length=30)
    subtype: str = Field(default="", max_length=40)
    products: list[str] = Field(default_factory=list, max_length=100)
    tags: list[str] = Field(default_factory=list, max_length=50)
    status: Literal["draft", "published"] = "draft"
    is_faq: bool = False
    audience: Literal["internal", "public"] = "internal"
    versions: list[VersionIn] = Field(min_length=1, max_length=2)


class SuggestIn(Strict):
    text: str = Field(default="", max_length=20_000)
    case_id: int | None = Field(default=None, ge=1, description="Read the case's text instead")
    language: Lang = "es"
    limit: int = Field(default=3, ge=1, le=20)
    typing: bool = Field(default=False, description="The last word is still being typed")


class FeedbackIn(Strict):
    helpful: bool
    language: Lang = "es"
    comment: str = Field(default="", max_length=2000)
    case_id: int | None = Field(default=None, ge=1)


class TreeIn(Strict):
    title: str = Field(min_length=1, max_length=200)
    category: str = Field(default="", max_length=30)
    root: str = Field(default="start", max_length=40)
    nodes: dict[str, dict[str, Any]]
    published: bool = True


class WalkIn(Strict):
    tree: str = Field(max_length=80)
    language: Lang = "es"
    case_id: int | None = Field(default=None, ge=1)


class StepIn(Strict):
    say: str = Field(min_length=1, max_length=2000)
    note: str = Field(default="", max_length=2000)


class ScriptIn(Strict):
    title: str = Field(min_length=1, max_length=200)
    steps: list[StepIn] = Field(min_length=1, max_length=100)


class AnswerIn(Strict):
    answer: int = Field(ge=0, description="Index of the answer chosen (0-based)")


def _actor(request: HttpRequest) -> Actor:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return Actor.for_user(user, channel="api")
    return Actor.system("api")


def _hit(hit: kb.Hit) -> dict[str, Any]:
    return {
        "key": hit.key,
        "language": hit.language,
        "title": hit.title,
        "category": hit.category,
        "subtype": hit.subtype,
        "faq": hit.is_faq,
        "score": hit.score,
        "matched": list(hit.matched),
        "snippet": "".join(p for p, _ in hit.snippet),
        "highlights": [p for p, marked in hit.snippet + hit.title_pieces if marked],
        "helpful": hit.helpful,
        "unhelpful": hit.unhelpful,
    }


@router.get(f"{PREFIX}/search", response={200: list[dict[str, Any]]})
def search(
    request: HttpRequest,
    q: str = "",
    language: Lang = "es",
    typing: bool = False,
    limit: int = 10,
) -> list[dict[str, Any]]:
    """Published articles in a language, every word asked for (else any), best first."""
    require(request, Capability.SERVICE_HANDLE)
    scope = kb.Scope(language=language)
    return [_hit(h) for h in kb.search(q[:500], scope, limit=max(1, min(limit, 50)), typing=typing)]


@router.post(f"{PREFIX}/suggest", response={200: list[dict[str, Any]], **errors(404)})
def suggest(request: HttpRequest, body: SuggestIn) -> list[dict[str, Any]]:
    """The articles a case's text is most likely about, each with the words that matched."""
    require(request, Capability.SERVICE_HANDLE)
    text = body.text
    if body.case_id is not None:
        found = kb.case_text(body.case_id)
        if found is None:
            raise KnowledgeNotFound("There is no such case.", field="case_id")
        text = f"{found} {text}"
    scope = kb.Scope(language=body.language)
    return [_hit(h) for h in kb.suggest(text, scope, limit=body.limit, typing=body.typing)]


def _article_out(key: str, language: str) -> dict[str, Any]:
    version = kb.article(key, language)
    if version is None:
        raise KnowledgeNotFound(field="key")
    art = version.article
    return {
        "key": art.key,
        "category": art.category,
        "subtype": art.subtype,
        "products": art.products,
        "tags": art.tags,
        "status": art.status,
        "faq": art.is_faq,
        "audience": art.audience,
        "helpful": art.helpful,
        "unhelpful": art.unhelpful,
        "languages": sorted(v.language for v in art.versions.all()),
        "language": version.language,
        "title": version.title,
        "body": version.body_html,
    }


@router.get(f"{PREFIX}/articles", response={200: list[dict[str, Any]]})
def articles(request: HttpRequest, status: str = "", category: str = "") -> list[dict[str, Any]]:
    require(request, Capability.SERVICE_HANDLE)
    return [
        {
            "key": a.key,
            "category": a.category,
            "status": a.status,
            "faq": a.is_faq,
            "titles": {v.language: v.title for v in a.versions.all()},
            "helpful": a.helpful,
            "unhelpful": a.unhelpful,
        }
        for a in kb.articles(status=status, category=category)
    ]


@router.get(f"{PREFIX}/articles/{{key}}", response={200: dict[str, Any], **errors(404)})
def article(request: HttpRequest, key: str, language: Lang = "es") -> dict[str, Any]:
    require(request, Capability.SERVICE_HANDLE)
    return _article_out(key, language)


@router.put(f"{PREFIX}/articles/{{key}}", response={200: dict[str, Any]})
def save_article(request: HttpRequest, key: str, body: ArticleIn) -> dict[str, Any]:
    """Create or replace the article (a language left out is removed)."""
    require(request, Capability.SERVICE_SUPERVISE)
    data = body.dict()
    versions = [Version(**v) for v in data.pop("versions")]
    saved = knowledge.save_article(
        ArticleDraft(key=key, versions=versions, **data), _actor(request)
    )
    return _article_out(saved.key, versions[0].language)


@router.delete(f"{PREFIX}/articles/{{key}}", response={204: None, **errors(404)})
def delete_article(request: HttpRequest, key: str) -> tuple[int, None]:
    require(request, Capability.SERVICE_SUPERVISE)
    knowledge.delete_article(key, _actor(request))
    return 204, None


@router.post(f"{PREFIX}/articles/{{key}}/feedback", response={201: dict[str, Any], **errors(404)})
def feedback(request: HttpRequest, key: str, body: FeedbackIn) -> tuple[int, dict[str, Any]]:
    require(request, Capability.SERVICE_HANDLE)
    knowledge.feedback(
        key,
        body.helpful,
        _actor(request),
        language=body.language,
        comment=body.comment,
        case_id=body.case_id,
    )
    return 201, _article_out(key, body.language)


@router.get(f"{PREFIX}/unhelpful", response={200: list[dict[str, Any]]})
def unhelpful(request: HttpRequest) -> list[dict[str, Any]]:
    """Articles readers found unhelpful, worst first, with their latest comments."""
    require(request, Capability.SERVICE_SUPERVISE)
    return [
        {
            "key": a.key,
            "helpful": a.helpful,
            "unhelpful": a.unhelpful,
            "comments": [f.comment for f in kb.feedback_for(a.key, 10) if f.comment],
        }
        for a in kb.unhelpful()
    ]


@router.put(f"{PREFIX}/trees/{{key}}/{{language}}", response={200: dict[str, Any]})
def save_tree(request: HttpRequest, key: str, language: Lang, body: TreeIn) -> dict[str, Any]:
    require(request, Capability.SERVICE_SUPERVISE)
    tree = knowledge_trees.save_tree(
        key,
        language,
        body.title,
        body.nodes,
        _actor(request),
        category=body.category,
        root=body.root,
        published=body.published,
    )
    return {"key": tree.key, "language": tree.language, "title": tree.title}


@router.get(f"{PREFIX}/trees", response={200: list[dict[str, Any]]})
def trees(request: HttpRequest, language: str = "") -> list[dict[str, Any]]:
    require(request, Capability.SERVICE_HANDLE)
    return [
        {"key": t.key, "language": t.language, "title": t.title, "category": t.category}
        for t in tree_reads.trees(language)
    ]


def _step(walk_id: int) -> dict[str, Any]:
    step = tree_reads.step(walk_id)
    if step is None:
        raise KnowledgeNotFound("There is no such walk.", field="walk_id")
    return dict(step.__dict__)


@router.post(f"{PREFIX}/walks", response={201: dict[str, Any], **errors(404)})
def start_walk(request: HttpRequest, body: WalkIn) -> tuple[int, dict[str, Any]]:
    """Start walking a tree (on a case, where the path is written when it ends)."""
    require(request, Capability.SERVICE_HANDLE)
    walk = knowledge_trees.start_walk(body.tree, body.language, _actor(request), body.case_id)
    return 201, _step(walk.pk)


@router.get(f"{PREFIX}/walks/{{walk_id}}", response={200: dict[str, Any], **errors(404)})
def walk(request: HttpRequest, walk_id: int) -> dict[str, Any]:
    require(request, Capability.SERVICE_HANDLE)
    return _step(walk_id)


@router.post(
    f"{PREFIX}/walks/{{walk_id}}/answer", response={200: dict[str, Any], **errors(404, 409)}
)
def answer(request: HttpRequest, walk_id: int, body: AnswerIn) -> dict[str, Any]:
    require(request, Capability.SERVICE_HANDLE)
    knowledge_trees.answer(walk_id, body.answer, _actor(request))
    return _step(walk_id)


@router.get(f"{PREFIX}/scripts/{{process}}", response={200: dict[str, Any], **errors(404)})
def script(request: HttpRequest, process: str, language: Lang = "es") -> dict[str, Any]:
    require(request, Capability.SERVICE_HANDLE)
    found = tree_reads.script(process, language)
    if found is None:
        raise KnowledgeNotFound("There is no such script.", field="process")
    return {
        "process": found.process,
        "language": found.language,
        "title": found.title,
        "steps": found.steps,
    }


@router.put(f"{PREFIX}/scripts/{{process}}/{{language}}", response={200: dict[str, Any]})
def save_script(
    request: HttpRequest, process: str, language: Lang, body: ScriptIn
) -> dict[str, Any]:
    require(request, Capability.SERVICE_SUPERVISE)
    steps = [s.dict() for s in body.steps]
    saved = knowledge_trees.save_script(process, language, body.title, steps, _actor(request))
    return {
        "process": saved.process,
        "language": saved.language,
        "title": saved.title,
        "steps": saved.steps,
    }
