"""The rule builder's form: a rule tree flattened into named inputs and read back.

Every group and condition has a path of indices (``0``, ``0.2``, ``0.2.1``); a group's inputs
are ``g-<path>-mode`` (all/any), a condition's ``c-<path>-field``, ``-op`` and ``-value``.
Values are typed as people type them (``mvc, mgc``; ``100..500``; ``yes``) and converted
here by the field's type, so the rule's own validation says what is wrong, by path. The
builder's buttons (add a condition, add a group, remove) are edits on the tree made here, so
the page needs htmx and no script of its own.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lealtad.marketing import segment_labels
from lealtad.marketing_engine.segment_rules import FIELDS, NO_VALUE

_TRUE = {"true", "yes", "si", "sí", "1", "y"}
_FALSE = {"false", "no", "0", "n"}


@dataclass
class Row:
    """One line of the builder: a group opening or a condition, indented by depth."""

    path: str
    depth: int
    kind: str  # group | condition
    mode: str = "all"
    field: str = ""
    op: str = ""
    value: str = ""
    ops: tuple[str, ...] = ()
    choices: tuple[tuple[str, str], ...] = ()  # (code, words) suggested for the value
    children: list[Row] = dataclasses.field(default_factory=list)


def read(data: Mapping[str, str]) -> dict[str, Any]:
    """The tree the form describes (an empty group reads as ``{}``); values typed by field."""
    groups: dict[str, str] = {}
    conds: dict[str, dict[str, str]] = {}
    for key, value in data.items():
        parts = key.split("-")
        if len(parts) == 3 and parts[0] == "g" and parts[2] == "mode":
            groups[parts[1]] = value
        elif len(parts) == 3 and parts[0] == "c" and parts[2] in ("field", "op", "value"):
            conds.setdefault(parts[1], {})[parts[2]] = value
    if "0" not in groups:
        return {}
    return _group("0", groups, conds)


def _children(path: str, keys: Any) -> list[str]:
    depth = path.count(".") + 1
    found = [k for k in keys if k.startswith(path + ".") and k.count(".") == depth]
    return sorted(found, key=lambda k: [int(p) for p in k.split(".")])


def _group(path: str, groups: dict[str, str], conds: dict[str, dict[str, str]]) -> dict[str, Any]:
    mode = "any" if groups.get(path) == "any" else "all"
    items: list[dict[str, Any]] = []
    for child in _children(path, list(groups) + list(conds)):
        if child in groups:
            sub = _group(child, groups, conds)
            items.append(sub)
        else:
            items.append(_condition(conds[child]))
    if not items and path == "0":
        return {}
    return {mode: items}


def _condition(raw: dict[str, str]) -> dict[str, Any]:
    name = raw.get("field", "")
    op = raw.get("op", "")
    cond: dict[str, Any] = {"field": name, "op": op}
    spec = FIELDS.get(name)
    if op in NO_VALUE:
        return cond
    cond["value"] = typed(spec.type if spec else "text", op, raw.get("value", ""))
    return cond


def typed(kind: str, op: str, text: str) -> Any:
    """A typed value from what was typed; left as text when it does not parse (the rule's
    validation then names it)."""
    text = text.strip()
    if op in ("in", "not_in", "has_any", "has_none"):
        return [_one(kind, part.strip()) for part in text.split(",") if part.strip()]
    if op == "between":
        parts = [p.strip() for p in (text.split("..") if ".." in text else text.split(","))]
        return [_one(kind, p) for p in parts if p]
    if op in ("within_days", "not_within_days"):
        return _one("int", text)
    return _one(kind, text)


def _one(kind: str, text: str) -> Any:
    if kind == "bool":
        low = text.lower()
        return True if low in _TRUE else False if low in _FALSE else text
    if kind in ("int", "age", "segment"):
        return int(text) if text.lstrip("-").isdigit() else text
    if kind in ("decimal", "float"):
        try:
            float(text)
        except ValueError:
            return text
        return text if kind == "decimal" else float(text)
    return text


def shown(value: Any) -> str:
    """A value as the builder's text input shows it."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(shown(v) for v in value)
    return "" if value is None else str(value)


def rows(rule: Mapping[str, Any]) -> Row:
    """The rule as builder rows, the root group at path ``0``."""
    if not rule:
        return Row("0", 0, "group")
    if "field" in rule:
        rule = {"all": [rule]}
    return _rows(rule, "0", 0)


def _rows(node: Mapping[str, Any], path: str, depth: int) -> Row:
    if "field" in node:
        spec = FIELDS.get(str(node.get("field")))
        return Row(
            path,
            depth,
            "condition",
            field=str(node.get("field", "")),
            op=str(node.get("op", "")),
            value=shown(node.get("value")),
            ops=spec.ops if spec else (),
            choices=segment_labels.choices_of(spec.name) if spec else (),
        )
    mode = "any" if "any" in node else "all"
    group = Row(path, depth, "group", mode=mode)
    for i, item in enumerate(node.get(mode, [])):
        group.children.append(_rows(item, f"{path}.{i}", depth + 1))
    return group


def edit(rule: dict[str, Any], action: str) -> dict[str, Any]:
    """The builder's buttons: ``add:<group>``, ``group:<group>``, ``remove:<path>``. New
    conditions start on the first field with its first operator."""
    verb, _sep, path = action.partition(":")
    tree = rule if rule else {"all": []}
    if "field" in tree:
        tree = {"all": [tree]}
    steps = [int(p) for p in path.split(".")[1:]] if path else []
    if verb == "remove" and steps:
        parent = _at(tree, steps[:-1])
        items = parent.get("all", parent.get("any", []))
        if steps[-1] < len(items):
            items.pop(steps[-1])
        return tree
    target = _at(tree, steps)
    if "field" in target:
        return tree
    items = target.setdefault("any" if "any" in target else "all", [])
    blank = {"field": "orders_count", "op": "gte", "value": 1}
    if verb == "add":
        items.append(blank)
    elif verb == "group":
        items.append({"any": [dict(blank)]})
    return tree


def _at(tree: dict[str, Any], steps: list[int]) -> dict[str, Any]:
    node = tree
    for step in steps:
        items = node.get("all", node.get("any", []))
        if step >= len(items):
            return node
        node = items[step]
    return node
