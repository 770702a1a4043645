"""Troubleshooting trees an agent walks to a solution, and agent scripts per process.

A walk remembers every question and the answer chosen; when it reaches a solution the path
is written on the case as an internal note (with the path as data), so whoever picks the
case up later sees what was already tried.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lealtad.core.audit import Actor
from lealtad.service.models import AgentScript, Article, Case, TreeWalk, TroubleshootingTree
from lealtad.service.services import cases
from lealtad.service.services.knowledge import KEY, KnowledgeNotFound, KnowledgeRefused
from lealtad.service_engine.search import LANGUAGES

MAX_NODES = 200


def check_nodes(nodes: Any, root: str) -> None:
    """A tree is questions whose answers lead on, ending in solutions; no loops, no orphans."""
    if not isinstance(nodes, dict) or not nodes or len(nodes) > MAX_NODES:
        raise KnowledgeRefused(_("A tree has 1 to 200 nodes."), field="nodes")
    if root not in nodes:
        raise KnowledgeRefused(_("The first node is missing."), field="root")
    for name, node in nodes.items():
        _check_node(str(name), node, nodes)
    _check_paths(nodes, root)


def _check_node(name: str, node: Any, nodes: dict[str, Any]) -> None:
    where = f"nodes.{name}"
    if not isinstance(node, dict):
        raise KnowledgeRefused(_("A node is an object."), field=where)
    if "solution" in node:
        if not str(node["solution"]).strip():
            raise KnowledgeRefused(_("The solution is empty."), field=f"{where}.solution")
        key = node.get("article", "")
        if key and not Article.objects.filter(key=key).exists():
            raise KnowledgeRefused(_("No such article."), field=f"{where}.article")
        return
    if not str(node.get("question", "")).strip():
        raise KnowledgeRefused(_("A node asks a question or gives a solution."), field=where)
    answers = node.get("answers")
    if not isinstance(answers, list) or not answers:
        raise KnowledgeRefused(_("A question needs answers."), field=f"{where}.answers")
    for i, answer in enumerate(answers):
        if not isinstance(answer, dict) or not str(answer.get("label", "")).strip():
            raise KnowledgeRefused(_("An answer needs a label."), field=f"{where}.answers.{i}")
        if answer.get("next") not in nodes:
            raise KnowledgeRefused(
                _("The answer leads to no node."), field=f"{where}.answers.{i}.next"
            )


def _check_paths(nodes: dict[str, Any], root: str) -> None:
    state: dict[str, int] = {}  # 1 on the current path, 2 done

    def visit(name: str) -> None:
        state[name] = 1
        for answer in nodes[name].get("answers", []):
            nxt = answer["next"]
            if state.get(nxt) == 1:
                raise KnowledgeRefused(_("The answers go round in a loop."), field=f"nodes.{nxt}")
            if nxt not in state:
                visit(nxt)
        state[name] = 2

    visit(root)
    orphans = sorted(set(nodes) - set(state))
    if orphans:
        raise KnowledgeRefused(_("No answer leads to this node."), field=f"nodes.{orphans[0]}")


def save_tree(
    key: str,
    language: str,
    title: str,
    nodes: dict[str, Any],
    actor: Actor,
    *,
    category: str = "",
    root: str = "start",
    published: bool = True,
) -> TroubleshootingTree:
    if not KEY.match(key):
        raise KnowledgeRefused(_("Use lower-case letters, digits and hyphens."), field="key")
    if language not in LANGUAGES:
        raise KnowledgeRefused(_("Unknown language."), field="language")
    if not title.strip() or len(title) > 200:
        raise KnowledgeRefused(_("A title of 1-200 characters."), field="title")
    check_nodes(nodes, root)
    tree, _made = TroubleshootingTree.objects.update_or_create(
        key=key,
        language=language,
        defaults={
            "title": title.strip(),
            "category": category,
            "root": root,
            "nodes": nodes,
            "published": published,
            "updated_at": timezone.now(),
        },
    )
    return tree


def start_walk(key: str, language: str, actor: Actor, case_id: int | None = None) -> TreeWalk:
    tree = TroubleshootingTree.objects.filter(key=key, language=language, published=True).first()
    if tree is None:
        raise KnowledgeNotFound(_("There is no such tree."), field="key")
    if case_id is not None and not Case.objects.filter(pk=case_id).exists():
        raise KnowledgeNotFound(_("There is no such case."), field="case_id")
    now = timezone.now()
    return TreeWalk.objects.create(
        tree=tree,
        case_id=case_id,
        node=tree.root,
        author=actor.label[:150],
        started_at=now,
        updated_at=now,
    )


def answer(walk_id: int, choice: int, actor: Actor) -> TreeWalk:
    """Take answer ``choice`` (0-based) of the current question; at a solution the walk ends
    and, on a case, is written to its history."""
    with transaction.atomic():
        walk = TreeWalk.objects.select_for_update().select_related("tree").filter(pk=walk_id)
        found = walk.first()
        if found is None:
            raise KnowledgeNotFound(_("There is no such walk."), field="walk")
        if found.finished:
            raise KnowledgeRefused(_("This walk has reached its solution."), kind="conflict")
        node = found.tree.nodes[found.node]
        answers = node.get("answers", [])
        if not 0 <= choice < len(answers):
            raise KnowledgeRefused(_("No such answer."), field="answer")
        found.path = [*found.path, [found.node, answers[choice]["label"]]]
        found.node = answers[choice]["next"]
        found.updated_at = timezone.now()
        reached = found.tree.nodes[found.node]
        if "solution" in reached:
            found.finished = True
            found.article_key = reached.get("article", "")
            _record(found, reached, actor)
        found.save()
        return found


def _record(walk: TreeWalk, solution: dict[str, Any], actor: Actor) -> None:
    if walk.case_id is None:
        return
    nodes = walk.tree.nodes
    lines = [f"{walk.tree.title}:"]
    lines += [f"- {nodes[n].get('question', n)} → {label}" for n, label in walk.path]
    lines.append(f"⇒ {solution['solution']}")
    case = cases.locked(walk.case_id)
    cases.entry(
        case,
        "note",
        actor,
        body="\n".join(lines),
        data={"tree": walk.tree.key, "path": walk.path, "article": walk.article_key},
    )


def save_script(
    process: str, language: str, title: str, steps: list[dict[str, str]], actor: Actor
) -> AgentScript:
    """What an agent says in a process, step by step: ``[{"say": …, "note": …}]``."""
    if not KEY.match(process):
        raise KnowledgeRefused(_("Use lower-case letters, digits and hyphens."), field="process")
    if language not in LANGUAGES:
        raise KnowledgeRefused(_("Unknown language."), field="language")
    if not title.strip():
        raise KnowledgeRefused(_("A title is needed."), field="title")
    if not steps:
        raise KnowledgeRefused(_("A script has steps."), field="steps")
    for i, step in enumerate(steps):
        if not isinstance(step, dict) or not str(step.get("say", "")).strip():
            raise KnowledgeRefused(_("Each step says something."), field=f"steps.{i}.say")
    script, _made = AgentScript.objects.update_or_create(
        process=process,
        language=language,
        defaults={"title": title.strip(), "steps": steps, "updated_at": timezone.now()},
    )
    return script
