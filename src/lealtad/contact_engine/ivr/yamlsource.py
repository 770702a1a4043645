"""YAML read with what a flow author needs to hear about: duplicate keys and line numbers.

PyYAML keeps the last of two equal keys without a word, so a menu that maps key 1 twice
would silently lose a choice; mappings here remember their line and any key seen twice
(``1`` and ``"1"`` count as the same key: menu keys are compared as text).
"""

from __future__ import annotations

from typing import Any

import yaml


class LineDict(dict[Any, Any]):
    """A mapping that knows the line it started on and the keys it had twice."""

    line: int | None = None
    duplicates: tuple[tuple[str, int], ...] = ()


class _Loader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    seen: set[str] = set()
    duplicates: list[tuple[str, int]] = []
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        text = str(key)
        if text in seen:
            duplicates.append((text, key_node.start_mark.line + 1))
        seen.add(text)
        result[key] = loader.construct_object(value_node, deep=True)
    result.duplicates = tuple(duplicates)
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml(text: str) -> Any:
    """Parse YAML text; raises ``yaml.YAMLError`` (with its line) when it is not YAML."""
    return yaml.load(text, Loader=_Loader)


def line_of(value: Any) -> int | None:
    return value.line if isinstance(value, LineDict) else None
