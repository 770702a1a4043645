"""The knowledge base through its services and selectors, on the real full-text index."""

from __future__ import annotations

import pytest

from lealtad.core.audit import Actor
from lealtad.service import demo_knowledge
from lealtad.service.models import Article, ArticleVersion, KnowledgeTerm
from lealtad.service.selectors import knowledge as kb
from lealtad.service.services import knowledge
from lealtad.service.services.knowledge import (
    ArticleDraft,
    KnowledgeNotFound,
    KnowledgeRefused,
    Version,
)
from tests.service.knowledge_suggest_set import CASES

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")


def _draft(**more) -> ArticleDraft:
    fields = {
        "key": "ciclo",
        "category": "billing_inquiry",
        "subtype": "billing_cycle",
        "status": "published",
        "versions": [
            Version("es", "Ciclo de facturación", "<p>La factura se emite el día 1.</p>"),
            Version("en", "Billing cycle", "<p>Bills are issued on the 1st.</p>"),
        ],
    }
    return ArticleDraft(**{**fields, **more})


def test_facturacion_factura_and_facturacion_without_accent_find_each_other():
    knowledge.save_article(_draft(), ACTOR)
    for query in ("facturación", "facturacion", "FACTURA", "facturas"):
        assert [h.key for h in kb.search(query)] == ["ciclo"], query
    hit = kb.search("facturacion")[0]
    assert [p for p, marked in hit.title_pieces if marked] == ["facturación"]
    assert [h.key for h in kb.search("bill", kb.Scope(language="en"))] == ["ciclo"]


def test_a_draft_is_not_found_until_published_and_internal_articles_stay_off_the_portal():
    knowledge.save_article(_draft(status="draft"), ACTOR)
    assert kb.search("factura") == []
    knowledge.set_status("ciclo", "published", ACTOR)
    assert [h.key for h in kb.search("factura")] == ["ciclo"]
    assert kb.published_faqs("factura", "es") == []
    knowledge.save_article(_draft(is_faq=True, audience="public"), ACTOR)
    assert [h.key for h in kb.published_faqs("factura", "es")] == ["ciclo"]
    assert [h.key for h in kb.published_faqs("", "en")] == ["ciclo"]


def test_bodies_are_sanitised_before_they_are_stored():
    body = '<p onclick="x()">Hola <script>alert(1)</script><a href="javascript:x">l</a></p>'
    knowledge.save_article(_draft(versions=[Version("es", "Factura", body)]), ACTOR)
    stored = ArticleVersion.objects.get().body_html
    assert "script" not in stored and "onclick" not in stored and "javascript" not in stored
    assert "Hola" in stored


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"key": "Con Espacios"}, "key"),
        ({"category": "nope"}, "category"),
        ({"subtype": "cancellation"}, "subtype"),
        ({"is_faq": True}, "is_faq"),
        ({"versions": []}, "versions"),
        ({"versions": [Version("pt", "Fatura", "x")]}, "versions.0.language"),
        ({"versions": [Version("es", "", "x")]}, "versions.0.title"),
        ({"versions": [Version("es", "T", "<script>x</script>")]}, "versions.0.body"),
    ],
)
def test_bad_articles_are_refused_naming_the_field_and_nothing_is_written(change, field):
    with pytest.raises(KnowledgeRefused) as refused:
        knowledge.save_article(_draft(**change), ACTOR)
    assert refused.value.field == field
    assert not Article.objects.exists() and not KnowledgeTerm.objects.exists()


def test_stem_counts_follow_edits_and_deletes():
    knowledge.save_article(_draft(), ACTOR)
    assert KnowledgeTerm.objects.get(stem="").documents == 2
    assert KnowledgeTerm.objects.get(stem="factur").documents == 1
    knowledge.save_article(_draft(versions=[Version("es", "Garantía", "<p>Un año.</p>")]), ACTOR)
    assert KnowledgeTerm.objects.get(stem="").documents == 1
    assert KnowledgeTerm.objects.get(stem="factur").documents == 0
    assert kb.search("factura") == []
    assert [h.key for h in kb.search("garantia")] == ["ciclo"]
    knowledge.delete_article("ciclo", ACTOR)
    assert KnowledgeTerm.objects.get(stem="").documents == 0
    assert kb.search("garantia") == []
    assert knowledge.rebuild_terms() == 0


def test_feedback_is_counted_and_unhelpful_articles_are_listed_for_editors():
    knowledge.save_article(_draft(), ACTOR)
    knowledge.feedback("ciclo", True, ACTOR)
    knowledge.feedback("ciclo", False, ACTOR, comment="No dice el vencimiento")
    knowledge.feedback("ciclo", False, ACTOR)
    article = Article.objects.get()
    assert (article.helpful, article.unhelpful) == (1, 2)
    assert [a.key for a in kb.unhelpful()] == ["ciclo"]
    assert kb.feedback_for("ciclo")[1].comment == "No dice el vencimiento"
    with pytest.raises(KnowledgeNotFound):
        knowledge.feedback("nope", True, ACTOR)


def test_suggestions_put_the_right_article_in_the_top_three_for_most_cases():
    demo_knowledge.load()
    misses = []
    for key, text in CASES:
        top = [h.key for h in kb.suggest(text)]
        if key not in top:
            misses.append((key, text, top))
    accuracy = 1 - len(misses) / len(CASES)
    print(f"top-3 accuracy {accuracy:.1%} over {len(CASES)} cases")
    assert len(CASES) >= 200
    assert accuracy >= 0.80, misses


def test_a_suggestion_says_which_words_matched():
    demo_knowledge.load()
    best = kb.suggest("Me cobraron dos veces la factura, cobro duplicado")[0]
    assert best.key == "cobro-doble"
    assert "duplicado" in best.matched


def test_a_titles_only_query_skips_bodies_on_either_database():
    from lealtad.service_engine.search.query import Shape

    knowledge.save_article(_draft(), ACTOR)  # "factura" in the title
    body_only = [Version("es", "Pagos", "<p>La factura se paga en el banco.</p>")]
    knowledge.save_article(_draft(key="pagos", versions=body_only), ACTOR)
    titles = kb.candidates(Shape((("factur",),), titles_only=True), kb.Scope())
    everywhere = kb.candidates(Shape((("factur",),)), kb.Scope())
    keys = dict(ArticleVersion.objects.values_list("id", "article__key"))
    assert [keys[c.key] for c in titles] == ["ciclo"]
    assert sorted(keys[c.key] for c in everywhere) == ["ciclo", "pagos"]
