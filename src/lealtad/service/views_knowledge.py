"""The knowledge base's pages: search with highlighted results (live as the agent types),
an article with feedback buttons, the troubleshooting walker, and editing for supervisors.
Thin: capability, form, service or selector; refusals shown as the page's message."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import translation
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lealtad.core.access import require
from lealtad.core.audit import Actor
from lealtad.core.refusals import shown_as_message
from lealtad.core.roles import Capability
from lealtad.service.choices import SUBTYPES, CaseCategory
from lealtad.service.selectors import knowledge as kb
from lealtad.service.selectors import knowledge_trees as tree_reads
from lealtad.service.services import knowledge, knowledge_trees
from lealtad.service.services.knowledge import ArticleDraft, Version

T = "service/knowledge/"


def _language(request: HttpRequest) -> str:
    asked = request.GET.get("language") or request.POST.get("language") or ""
    if asked in ("es", "en"):
        return asked
    return "en" if (translation.get_language() or "es").startswith("en") else "es"


def _actor(request: HttpRequest) -> Actor:
    return Actor.for_user(request.user, channel="web")


@login_required
@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    """The search box; with ``partial`` only the results (htmx asks as the agent types)."""
    require(request, Capability.SERVICE_HANDLE)
    q = request.GET.get("q", "")[:500]
    language = _language(request)
    scope = kb.Scope(language=language)
    hits = kb.search(q, scope, typing=bool(request.GET.get("partial"))) if q.strip() else []
    context: dict[str, Any] = {"q": q, "language": language, "hits": hits}
    if request.GET.get("partial"):
        return render(request, T + "_results.html", context)
    context["trees"] = tree_reads.trees(language)
    context["can_edit"] = _can(request, Capability.SERVICE_SUPERVISE)
    return render(request, T + "search.html", context)


@login_required
@require_GET
def article_page(request: HttpRequest, key: str) -> HttpResponse:
    require(request, Capability.SERVICE_HANDLE)
    version = kb.article(key, _language(request))
    if version is None:
        raise Http404
    can_edit = _can(request, Capability.SERVICE_SUPERVISE)
    return render(request, T + "article.html", {"v": version, "can_edit": can_edit})


def _can(request: HttpRequest, capability: Capability) -> bool:
    from lealtad.core.access import principal

    return principal(request).can(capability)


@login_required
@require_POST
def feedback(request: HttpRequest, key: str) -> HttpResponse:
    require(request, Capability.SERVICE_HANDLE)
    language = _language(request)
    with shown_as_message(request):
        knowledge.feedback(
            key,
            request.POST.get("helpful") == "yes",
            _actor(request),
            language=language,
            comment=request.POST.get("comment", ""),
        )
    return redirect(reverse("service:kb_article", args=[key]) + f"?language={language}")


@login_required
@require_POST
def start_walk(request: HttpRequest, key: str, language: str) -> HttpResponse:
    require(request, Capability.SERVICE_HANDLE)
    raw = request.POST.get("case_id", "").strip()
    case_id = int(raw) if raw.isdigit() else None
    with shown_as_message(request) as outcome:
        walk = knowledge_trees.start_walk(key, language, _actor(request), case_id)
    if outcome.refused:
        return redirect("service:kb_search")
    return redirect("service:kb_walk", walk_id=walk.pk)


@login_required
@require_http_methods(["GET", "POST"])
def walk_page(request: HttpRequest, walk_id: int) -> HttpResponse:
    require(request, Capability.SERVICE_HANDLE)
    if request.method == "POST":
        choice = request.POST.get("answer", "")
        with shown_as_message(request):
            knowledge_trees.answer(
                walk_id, int(choice) if choice.isdigit() else -1, _actor(request)
            )
        return redirect("service:kb_walk", walk_id=walk_id)
    step = tree_reads.step(walk_id)
    if step is None:
        raise Http404
    return render(request, T + "walk.html", {"step": step})


@login_required
@require_GET
def editor_page(request: HttpRequest) -> HttpResponse:
    """Supervisors: every article, and the ones readers found unhelpful first."""
    require(request, Capability.SERVICE_SUPERVISE)
    return render(
        request,
        T + "editor.html",
        {"articles": kb.articles(), "unhelpful": kb.unhelpful(10)},
    )


def _form_values(request: HttpRequest, key: str) -> dict[str, Any]:
    post = request.POST
    if request.method == "POST":
        return {
            name: post.get(name, "")
            for name in (
                "key",
                "category",
                "subtype",
                "status",
                "audience",
                "tags",
                "title_es",
                "body_es",
                "title_en",
                "body_en",
            )
        } | {"is_faq": post.get("is_faq") == "on"}
    version = {v.language: v for v in kb.article_versions(key)} if key else {}
    art = next(iter(version.values())).article if version else None
    return {
        "key": key,
        "category": art.category if art else "billing_inquiry",
        "subtype": art.subtype if art else "",
        "status": art.status if art else "draft",
        "audience": art.audience if art else "internal",
        "is_faq": art.is_faq if art else False,
        "tags": ", ".join(art.tags) if art else "",
        **{
            f"title_{lang}": version[lang].title if lang in version else "" for lang in ("es", "en")
        },
        **{
            f"body_{lang}": version[lang].body_html if lang in version else ""
            for lang in ("es", "en")
        },
    }


@login_required
@require_http_methods(["GET", "POST"])
def edit_page(request: HttpRequest, key: str = "") -> HttpResponse:
    require(request, Capability.SERVICE_SUPERVISE)
    form = _form_values(request, key)
    if request.method == "POST":
        versions = [
            Version(lang, form[f"title_{lang}"], form[f"body_{lang}"])
            for lang in ("es", "en")
            if form[f"title_{lang}"].strip() or form[f"body_{lang}"].strip()
        ]
        draft = ArticleDraft(
            key=form["key"].strip(),
            category=form["category"],
            subtype=form["subtype"],
            status=form["status"],
            audience=form["audience"],
            is_faq=form["is_faq"],
            tags=[t.strip() for t in form["tags"].split(",") if t.strip()],
            versions=versions,
        )
        with shown_as_message(request) as outcome:
            knowledge.save_article(draft, _actor(request))
        if not outcome.refused:
            return redirect("service:kb_article", key=draft.key)
    context = {
        "form": form,
        "editing": key,
        "categories": CaseCategory.choices,
        "subtypes": [(c, s, label) for c, subs in SUBTYPES.items() for s, label in subs.items()],
    }
    return render(request, T + "edit.html", context, status=200)


urlpatterns = [
    path("kb/", search_page, name="kb_search"),
    path("kb/a/<slug:key>/", article_page, name="kb_article"),
    path("kb/a/<slug:key>/feedback", feedback, name="kb_feedback"),
    path("kb/trees/<slug:key>/<str:language>/start", start_walk, name="kb_walk_start"),
    path("kb/walks/<int:walk_id>/", walk_page, name="kb_walk"),
    path("kb/editor/", editor_page, name="kb_editor"),
    path("kb/editor/new", edit_page, name="kb_new"),
    path("kb/editor/<slug:key>", edit_page, name="kb_edit"),
]
