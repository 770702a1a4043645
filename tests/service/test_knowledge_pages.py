"""The knowledge base's pages: search highlighted, feedback, the walker, supervisors' editing."""

from __future__ import annotations

import pytest
from django.test import Client

from lealtad.service import demo_knowledge
from lealtad.service.models import Article, ArticleVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    demo_knowledge.load()
    demo_knowledge.load_trees()


def _client(make_user, role: str) -> Client:
    client = Client()
    client.force_login(make_user(role))
    return client


def test_an_agent_searches_and_sees_the_words_highlighted(make_user, demo):
    agent = _client(make_user, "agent")
    page = agent.get("/service/kb/", {"q": "facturacion"})
    assert page.status_code == 200
    assert "<mark>facturación</mark>" in page.content.decode()
    partial = agent.get("/service/kb/", {"q": "garantia", "partial": "1"}).content.decode()
    assert "<mark>garantía</mark>" in partial.lower() and "<html" not in partial
    english = agent.get("/service/kb/", {"q": "warranty", "language": "en"}).content.decode()
    assert "<mark>Warranty</mark>" in english


def test_feedback_buttons_count_and_the_editor_lists_the_unhelpful(make_user, demo):
    agent = _client(make_user, "agent")
    page = agent.get("/service/kb/a/internet-lento/")
    assert "Internet lento" in page.content.decode()
    agent.post("/service/kb/a/internet-lento/feedback", {"helpful": "no", "language": "es"})
    assert Article.objects.get(key="internet-lento").unhelpful == 1
    assert agent.get("/service/kb/editor/").status_code == 403
    supervisor = _client(make_user, "supervisor")
    listed = supervisor.get("/service/kb/editor/").content.decode()
    assert 'id="unhelpful"' in listed and "internet-lento" in listed


def test_the_walker_leads_to_the_solution(make_user, demo):
    agent = _client(make_user, "agent")
    started = agent.post("/service/kb/trees/sin-internet/es/start", {"case_id": ""})
    assert started.status_code == 302
    walk_url = started["Location"]
    assert "¿Qué luz" in agent.get(walk_url).content.decode()
    agent.post(walk_url, {"answer": "0"})
    done = agent.get(walk_url).content.decode()
    assert 'id="solution"' in done and "Corte de fibra" in done


def test_a_supervisor_edits_and_a_refusal_is_shown_with_nothing_saved(make_user, demo):
    supervisor = _client(make_user, "supervisor")
    form = {
        "key": "pago-qr",
        "category": "billing_inquiry",
        "subtype": "",
        "status": "published",
        "audience": "internal",
        "tags": "qr, yape",
        "title_es": "Pago con QR",
        "body_es": "<p>Pague con <b>Yape</b><script>x()</script></p>",
        "title_en": "",
        "body_en": "",
    }
    saved = supervisor.post("/service/kb/editor/new", form)
    assert saved.status_code == 302
    stored = ArticleVersion.objects.get(article__key="pago-qr")
    assert "<b>Yape</b>" in stored.body_html and "script" not in stored.body_html
    refused = supervisor.post("/service/kb/editor/new", {**form, "key": "otro", "title_es": ""})
    assert refused.status_code == 200 and "versions.0.title" in refused.content.decode()
    assert not Article.objects.filter(key="otro").exists()
    assert _client(make_user, "agent").post("/service/kb/editor/new", form).status_code == 403
