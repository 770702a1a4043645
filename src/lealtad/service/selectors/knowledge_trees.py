"""Reading troubleshooting trees, walks and agent scripts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lealtad.service.models import AgentScript, TreeWalk, TroubleshootingTree


@dataclass(frozen=True)
class Step:
    """Where a walk stands: the question and its answers, or the solution reached."""

    walk_id: int
    tree: str
    title: str
    node: str
    question: str
    answers: list[str]
    solution: str
    article: str
    path: list[list[str]]
    finished: bool
    case_id: int | None


def trees(language: str = "", *, published_only: bool = True) -> list[TroubleshootingTree]:
    rows = TroubleshootingTree.objects.all()
    if language:
        rows = rows.filter(language=language)
    if published_only:
        rows = rows.filter(published=True)
    return list(rows)


def tree(key: str, language: str) -> TroubleshootingTree | None:
    return TroubleshootingTree.objects.filter(key=key, language=language).first()


def step(walk_id: int) -> Step | None:
    walk = TreeWalk.objects.select_related("tree").filter(pk=walk_id).first()
    if walk is None:
        return None
    node: dict[str, Any] = walk.tree.nodes[walk.node]
    return Step(
        walk_id=walk.pk,
        tree=walk.tree.key,
        title=walk.tree.title,
        node=walk.node,
        question=node.get("question", ""),
        answers=[a["label"] for a in node.get("answers", [])],
        solution=node.get("solution", ""),
        article=node.get("article", ""),
        path=walk.path,
        finished=walk.finished,
        case_id=walk.case_id,
    )


def scripts(language: str = "") -> list[AgentScript]:
    rows = AgentScript.objects.all()
    return list(rows.filter(language=language) if language else rows)


def script(process: str, language: str) -> AgentScript | None:
    found = {s.language: s for s in AgentScript.objects.filter(process=process)}
    return found.get(language) or next(iter(found.values()), None)
