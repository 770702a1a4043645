"""Troubleshooting trees walked on a case, and agent scripts."""

from __future__ import annotations

import pytest

from lealtad.core.audit import Actor
from lealtad.service import demo_knowledge
from lealtad.service.models import CaseEntry, SupportGroup, TreeWalk, TroubleshootingTree
from lealtad.service.selectors import knowledge_trees as trees
from lealtad.service.services import cases
from lealtad.service.services import knowledge_trees as walks
from lealtad.service.services.cases import NewCase
from lealtad.service.services.knowledge import KnowledgeNotFound, KnowledgeRefused

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("agente")


@pytest.fixture
def demo(db: None) -> None:
    SupportGroup.objects.create(name="nivel1", label="Nivel 1", level=1)
    demo_knowledge.load()
    demo_knowledge.load_trees()


def _case() -> int:
    new = NewCase(
        subject="Sin internet",
        category="post_sale",
        subtype="service_problem",
        customer_id=7,
    )
    return cases.open_case(new, ACTOR).pk


def test_a_walk_to_a_solution_is_written_on_the_case(demo):
    case_id = _case()
    walk = walks.start_walk("sin-internet", "es", ACTOR, case_id=case_id)
    at = trees.step(walk.pk)
    assert at.question.startswith("¿Qué luz") and at.answers[0] == "LOS en rojo"
    walks.answer(walk.pk, 1, ACTOR)  # all green
    walk = walks.answer(walk.pk, 1, ACTOR)  # still not browsing
    assert walk.finished and walk.article_key == "internet-lento"
    note = CaseEntry.objects.filter(case_id=case_id, kind="note").get()
    assert "Todas en verde" in note.body and "Medir velocidad" in note.body
    assert note.data["path"] == [["start", "Todas en verde"], ["reinicio", "No"]]
    with pytest.raises(KnowledgeRefused) as refused:
        walks.answer(walk.pk, 0, ACTOR)
    assert refused.value.kind == "conflict"


def test_a_walk_without_a_case_writes_no_history_and_bad_answers_are_refused(demo):
    walk = walks.start_walk("sin-internet", "es", ACTOR)
    with pytest.raises(KnowledgeRefused) as refused:
        walks.answer(walk.pk, 7, ACTOR)
    assert refused.value.field == "answer"
    assert walks.answer(walk.pk, 0, ACTOR).finished
    assert not CaseEntry.objects.filter(kind="note").exists()
    with pytest.raises(KnowledgeNotFound):
        walks.start_walk("sin-internet", "es", ACTOR, case_id=999_999)
    with pytest.raises(KnowledgeNotFound):
        walks.start_walk("nope", "es", ACTOR)


@pytest.mark.parametrize(
    ("nodes", "field"),
    [
        ({}, "nodes"),
        ({"other": {"solution": "x"}}, "root"),
        (
            {"start": {"question": "?", "answers": [{"label": "a", "next": "x"}]}},
            "nodes.start.answers.0.next",
        ),
        ({"start": {"question": "?", "answers": []}}, "nodes.start.answers"),
        (
            {"start": {"question": "?", "answers": [{"label": "a", "next": "start"}]}},
            "nodes.start",
        ),
        ({"start": {"solution": "x"}, "lost": {"solution": "y"}}, "nodes.lost"),
        ({"start": {"solution": "x", "article": "no-such"}}, "nodes.start.article"),
        ({"start": {"answers": []}}, "nodes.start"),
    ],
)
def test_broken_trees_are_refused_naming_the_node(db, nodes, field):
    with pytest.raises(KnowledgeRefused) as refused:
        walks.save_tree("t", "es", "T", nodes, ACTOR)
    assert refused.value.field == field
    assert not TroubleshootingTree.objects.exists()


def test_scripts_per_process_in_either_language(demo):
    es = trees.script("retencion-cancelacion", "es")
    assert es.steps[0]["say"].startswith("Lamento")
    assert trees.script("retencion-cancelacion", "en").title.startswith("Retention")
    with pytest.raises(KnowledgeRefused) as refused:
        walks.save_script("retencion-cancelacion", "es", "T", [{"note": "x"}], ACTOR)
    assert refused.value.field == "steps.0.say"
    assert TreeWalk.objects.count() == 0
